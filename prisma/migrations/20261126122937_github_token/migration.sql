-- AlterTable
ALTER TABLE "tenants" ADD COLUMN     "github_token_encrypted" TEXT;
