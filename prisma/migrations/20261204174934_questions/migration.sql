-- AlterEnum
ALTER TYPE "JobStatus" ADD VALUE 'waiting';

-- AlterEnum
ALTER TYPE "SessionStatus" ADD VALUE 'waiting_for_input';

-- AlterTable
ALTER TABLE "sessions" ADD COLUMN     "pending_question" JSONB,
ADD COLUMN     "question_asked_at" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "session_messages" (
    "session_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "role" TEXT NOT NULL,
    "content" JSONB NOT NULL,
    "event_seq" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "session_messages_pkey" PRIMARY KEY ("session_id","seq")
);

-- CreateIndex
CREATE INDEX "sessions_status_question_asked_at_idx" ON "sessions"("status", "question_asked_at");

-- AddForeignKey
ALTER TABLE "session_messages" ADD CONSTRAINT "session_messages_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "sessions"("id") ON DELETE CASCADE ON UPDATE CASCADE;
