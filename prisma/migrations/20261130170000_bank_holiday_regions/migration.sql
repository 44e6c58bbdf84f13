-- AlterTable
ALTER TABLE "partnership" ADD COLUMN     "region" TEXT NOT NULL DEFAULT 'england-and-wales';

-- AlterTable
ALTER TABLE "person" ADD COLUMN     "region" TEXT;

