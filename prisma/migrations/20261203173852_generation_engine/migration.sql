-- AlterTable
ALTER TABLE "sessions" ADD COLUMN     "billable" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "byok" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "max_output_tokens" INTEGER,
ADD COLUMN     "reply" TEXT,
ADD COLUMN     "requested_model" TEXT;

-- AlterTable
ALTER TABLE "tenants" ADD COLUMN     "allow_questions" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "allowed_models" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "anthropic_api_key_encrypted" TEXT,
ADD COLUMN     "auto_repair_rounds" INTEGER NOT NULL DEFAULT 2,
ADD COLUMN     "default_model" TEXT,
ADD COLUMN     "generation_instructions" TEXT;

-- AlterTable
ALTER TABLE "usage_daily" DROP CONSTRAINT "usage_daily_pkey",
ADD COLUMN     "billable" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "byok" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "cache_read_tokens" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "cache_write_tokens" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "cost_micros" BIGINT NOT NULL DEFAULT 0,
ADD CONSTRAINT "usage_daily_pkey" PRIMARY KEY ("tenant_id", "mode", "day", "project_id", "external_user_id", "billable", "byok");

-- CreateTable
CREATE TABLE "session_attachments" (
    "session_id" UUID NOT NULL,
    "position" INTEGER NOT NULL,
    "media_type" TEXT NOT NULL,
    "sha" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "source_url" TEXT,

    CONSTRAINT "session_attachments_pkey" PRIMARY KEY ("session_id","position")
);

-- CreateTable
CREATE TABLE "session_attempt_usage" (
    "id" UUID NOT NULL,
    "session_id" UUID NOT NULL,
    "attempt" INTEGER NOT NULL,
    "outcome" TEXT NOT NULL,
    "billable" BOOLEAN NOT NULL,
    "byok" BOOLEAN NOT NULL DEFAULT false,
    "model" TEXT,
    "input_tokens" BIGINT NOT NULL DEFAULT 0,
    "output_tokens" BIGINT NOT NULL DEFAULT 0,
    "cache_write_tokens" BIGINT NOT NULL DEFAULT 0,
    "cache_read_tokens" BIGINT NOT NULL DEFAULT 0,
    "sandbox_seconds" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "cost_micros" BIGINT NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "session_attempt_usage_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "session_attempt_usage_session_id_idx" ON "session_attempt_usage"("session_id");

-- AddForeignKey
ALTER TABLE "session_attachments" ADD CONSTRAINT "session_attachments_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "sessions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "session_attachments" ADD CONSTRAINT "session_attachments_sha_fkey" FOREIGN KEY ("sha") REFERENCES "file_blobs"("sha") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "session_attempt_usage" ADD CONSTRAINT "session_attempt_usage_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "sessions"("id") ON DELETE CASCADE ON UPDATE CASCADE;
