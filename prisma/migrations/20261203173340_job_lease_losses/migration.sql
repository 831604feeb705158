-- AlterTable
ALTER TABLE "jobs" ADD COLUMN     "lease_losses" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "max_lease_losses" INTEGER NOT NULL DEFAULT 10;
