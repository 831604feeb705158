-- AlterTable
ALTER TABLE "session_attachments" ALTER COLUMN "media_type" DROP NOT NULL,
ALTER COLUMN "sha" DROP NOT NULL,
ALTER COLUMN "size" DROP NOT NULL;

-- AlterTable
ALTER TABLE "tenants" ADD COLUMN     "anthropic_api_key_last4" TEXT;
