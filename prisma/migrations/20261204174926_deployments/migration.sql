-- CreateEnum
CREATE TYPE "DeploymentPhase" AS ENUM ('PENDING_BUILD', 'BUILDING', 'PENDING_DEPLOY', 'DEPLOYING', 'ACTIVE', 'ERROR', 'CANCELED', 'SUPERSEDED');

-- AlterEnum
ALTER TYPE "SessionKind" ADD VALUE 'deploy';

-- AlterTable
ALTER TABLE "projects" ADD COLUMN     "custom_domain" TEXT,
ADD COLUMN     "deploy_app_id" TEXT,
ADD COLUMN     "deploy_repository" TEXT;

-- AlterTable
ALTER TABLE "usage_daily" ADD COLUMN     "deploys" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "deployments" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "mode" "Mode" NOT NULL,
    "project_id" UUID NOT NULL,
    "session_id" UUID,
    "provider" TEXT NOT NULL,
    "app_id" TEXT,
    "do_deployment_id" TEXT,
    "rollback_of_id" UUID,
    "app_kind" TEXT,
    "commit_sha" TEXT,
    "phase" "DeploymentPhase" NOT NULL DEFAULT 'PENDING_BUILD',
    "steps" JSONB NOT NULL DEFAULT '[]',
    "live_url" TEXT,
    "log_tail" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "deployments_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "deployments_session_id_key" ON "deployments"("session_id");

-- CreateIndex
CREATE INDEX "deployments_project_id_id_idx" ON "deployments"("project_id", "id");

-- CreateIndex
CREATE INDEX "deployments_tenant_id_mode_created_at_idx" ON "deployments"("tenant_id", "mode", "created_at");

-- AddForeignKey
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "sessions"("id") ON DELETE SET NULL ON UPDATE CASCADE;
