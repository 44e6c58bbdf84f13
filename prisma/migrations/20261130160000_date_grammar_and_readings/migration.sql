-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "due_precision" ADD VALUE 'week';
ALTER TYPE "due_precision" ADD VALUE 'half_term';
ALTER TYPE "due_precision" ADD VALUE 'quarter';
ALTER TYPE "due_precision" ADD VALUE 'range';

-- DropIndex
DROP INDEX "indicator_reading_indicator_id_period_end_key";

-- AlterTable
ALTER TABLE "indicator_reading" ALTER COLUMN "value" DROP NOT NULL;

-- CreateIndex
CREATE INDEX "indicator_reading_indicator_id_period_end_idx" ON "indicator_reading"("indicator_id", "period_end");

-- CreateIndex
CREATE UNIQUE INDEX "indicator_reading_indicator_id_period_key" ON "indicator_reading"("indicator_id", "period");

