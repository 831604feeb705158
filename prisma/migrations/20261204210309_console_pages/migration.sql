-- AlterTable
ALTER TABLE "webhook_deliveries" ADD COLUMN     "last_attempt_at" TIMESTAMPTZ(3),
ADD COLUMN     "last_request_headers" JSONB,
ADD COLUMN     "last_response_body" TEXT;

-- CreateIndex
CREATE INDEX "sessions_tenant_id_mode_id_idx" ON "sessions"("tenant_id", "mode", "id");
