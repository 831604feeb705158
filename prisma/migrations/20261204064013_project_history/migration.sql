-- AlterTable
ALTER TABLE "projects" ADD COLUMN     "forked_at_session_id" UUID,
ADD COLUMN     "forked_from_id" UUID;

-- CreateTable
CREATE TABLE "project_checkpoints" (
    "id" UUID NOT NULL,
    "project_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "session_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "project_checkpoints_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "checkpoint_files" (
    "checkpoint_id" UUID NOT NULL,
    "path" TEXT NOT NULL,
    "sha" TEXT NOT NULL,
    "size" INTEGER NOT NULL,

    CONSTRAINT "checkpoint_files_pkey" PRIMARY KEY ("checkpoint_id","path")
);

-- CreateIndex
CREATE INDEX "project_checkpoints_project_id_id_idx" ON "project_checkpoints"("project_id", "id");

-- CreateIndex
CREATE UNIQUE INDEX "project_checkpoints_project_id_name_key" ON "project_checkpoints"("project_id", "name");

-- AddForeignKey
ALTER TABLE "projects" ADD CONSTRAINT "projects_forked_from_id_fkey" FOREIGN KEY ("forked_from_id") REFERENCES "projects"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "project_checkpoints" ADD CONSTRAINT "project_checkpoints_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "checkpoint_files" ADD CONSTRAINT "checkpoint_files_checkpoint_id_fkey" FOREIGN KEY ("checkpoint_id") REFERENCES "project_checkpoints"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "checkpoint_files" ADD CONSTRAINT "checkpoint_files_sha_fkey" FOREIGN KEY ("sha") REFERENCES "file_blobs"("sha") ON DELETE RESTRICT ON UPDATE CASCADE;
