-- AlterTable
ALTER TABLE "platform_identity" ADD COLUMN     "home_opened_at" TIMESTAMPTZ(3);

