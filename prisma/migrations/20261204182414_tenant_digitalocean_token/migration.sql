-- AlterTable
ALTER TABLE "projects" ADD COLUMN     "deploy_app_account" TEXT;

-- AlterTable
ALTER TABLE "tenants" ADD COLUMN     "digitalocean_token_encrypted" TEXT;
