-- AlterTable
ALTER TABLE "sandboxes" ADD COLUMN     "upstream_headers" TEXT,
ADD COLUMN     "upstream_url" TEXT;

-- CreateTable
CREATE TABLE "preview_errors" (
    "id" UUID NOT NULL,
    "project_id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "source" TEXT,
    "line" INTEGER,
    "column" INTEGER,
    "stack" TEXT,
    "page" TEXT,
    "count" INTEGER NOT NULL DEFAULT 1,
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "preview_errors_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "preview_errors_project_id_last_seen_at_idx" ON "preview_errors"("project_id", "last_seen_at");

-- CreateIndex
CREATE UNIQUE INDEX "preview_errors_project_id_fingerprint_key" ON "preview_errors"("project_id", "fingerprint");

-- AddForeignKey
ALTER TABLE "preview_errors" ADD CONSTRAINT "preview_errors_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;
