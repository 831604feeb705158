-- CreateEnum
CREATE TYPE "SandboxStatus" AS ENUM ('starting', 'running', 'stopped', 'deleted', 'failed');

-- CreateTable
CREATE TABLE "sandboxes" (
    "id" UUID NOT NULL,
    "project_id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "provider" TEXT NOT NULL,
    "external_id" TEXT,
    "status" "SandboxStatus" NOT NULL DEFAULT 'starting',
    "port" INTEGER,
    "preview_url" TEXT,
    "preview_expires_at" TIMESTAMPTZ(3),
    "synced_files" JSONB NOT NULL DEFAULT '{}',
    "installed_for" TEXT,
    "running_since" TIMESTAMPTZ(3),
    "last_active_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "stopped_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sandboxes_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "sandboxes_project_id_key" ON "sandboxes"("project_id");

-- CreateIndex
CREATE INDEX "sandboxes_status_last_active_at_idx" ON "sandboxes"("status", "last_active_at");

-- CreateIndex
CREATE INDEX "sandboxes_tenant_id_idx" ON "sandboxes"("tenant_id");

-- AddForeignKey
ALTER TABLE "sandboxes" ADD CONSTRAINT "sandboxes_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;
