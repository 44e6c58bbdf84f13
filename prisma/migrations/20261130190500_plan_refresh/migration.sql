-- AlterTable
ALTER TABLE "plan" ADD COLUMN     "closed_at" TIMESTAMPTZ(3),
ADD COLUMN     "refreshed_into_id" INTEGER;

-- AlterTable
ALTER TABLE "action" ADD COLUMN     "carried_from_action_id" INTEGER;

-- CreateIndex
CREATE UNIQUE INDEX "plan_refreshed_into_id_key" ON "plan"("refreshed_into_id");

-- CreateIndex
CREATE UNIQUE INDEX "action_carried_from_action_id_key" ON "action"("carried_from_action_id");

-- AddForeignKey
ALTER TABLE "plan" ADD CONSTRAINT "plan_refreshed_into_id_fkey" FOREIGN KEY ("refreshed_into_id") REFERENCES "plan"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "action" ADD CONSTRAINT "action_carried_from_action_id_fkey" FOREIGN KEY ("carried_from_action_id") REFERENCES "action"("id") ON DELETE SET NULL ON UPDATE CASCADE;

