-- CreateTable
CREATE TABLE "session_screenshots" (
    "session_id" UUID NOT NULL,
    "project_id" UUID NOT NULL,
    "png" BYTEA NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "session_screenshots_pkey" PRIMARY KEY ("session_id")
);

-- CreateIndex
CREATE INDEX "session_screenshots_project_id_idx" ON "session_screenshots"("project_id");

-- AddForeignKey
ALTER TABLE "session_screenshots" ADD CONSTRAINT "session_screenshots_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "sessions"("id") ON DELETE CASCADE ON UPDATE CASCADE;
