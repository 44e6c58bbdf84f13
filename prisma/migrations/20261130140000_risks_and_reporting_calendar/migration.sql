-- AlterTable
ALTER TABLE "indicator" ADD COLUMN     "rag_tolerance" DOUBLE PRECISION;

-- CreateTable
CREATE TABLE "risk" (
    "id" SERIAL NOT NULL,
    "partnership_id" INTEGER NOT NULL,
    "plan_id" INTEGER NOT NULL,
    "priority_id" INTEGER,
    "number" INTEGER NOT NULL,
    "description" TEXT NOT NULL,
    "owner_id" INTEGER NOT NULL,
    "likelihood" INTEGER NOT NULL,
    "impact" INTEGER NOT NULL,
    "mitigation" TEXT,
    "review_date" DATE NOT NULL,
    "closed_at" TIMESTAMPTZ(3),
    "closed_reason" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "risk_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "report_schedule" (
    "id" SERIAL NOT NULL,
    "partnership_id" INTEGER NOT NULL,
    "plan_key" TEXT NOT NULL DEFAULT '',
    "kind" TEXT NOT NULL,
    "rule" TEXT NOT NULL,
    "minute" INTEGER NOT NULL,
    "channel" TEXT NOT NULL,
    "channel_name" TEXT NOT NULL,
    "created_by_id" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "report_schedule_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "report_run" (
    "id" SERIAL NOT NULL,
    "schedule_id" INTEGER NOT NULL,
    "period_key" TEXT NOT NULL,
    "sent_on" DATE NOT NULL,
    "status" TEXT NOT NULL,
    "delivery_id" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "report_run_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "risk_review_date_idx" ON "risk"("review_date");

-- CreateIndex
CREATE UNIQUE INDEX "risk_partnership_id_number_key" ON "risk"("partnership_id", "number");

-- CreateIndex
CREATE UNIQUE INDEX "report_schedule_partnership_id_plan_key_kind_key" ON "report_schedule"("partnership_id", "plan_key", "kind");

-- CreateIndex
CREATE UNIQUE INDEX "report_run_schedule_id_period_key_key" ON "report_run"("schedule_id", "period_key");

-- AddForeignKey
ALTER TABLE "risk" ADD CONSTRAINT "risk_partnership_id_fkey" FOREIGN KEY ("partnership_id") REFERENCES "partnership"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "risk" ADD CONSTRAINT "risk_plan_id_fkey" FOREIGN KEY ("plan_id") REFERENCES "plan"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "risk" ADD CONSTRAINT "risk_priority_id_fkey" FOREIGN KEY ("priority_id") REFERENCES "priority"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "risk" ADD CONSTRAINT "risk_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "person"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "report_schedule" ADD CONSTRAINT "report_schedule_partnership_id_fkey" FOREIGN KEY ("partnership_id") REFERENCES "partnership"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "report_run" ADD CONSTRAINT "report_run_schedule_id_fkey" FOREIGN KEY ("schedule_id") REFERENCES "report_schedule"("id") ON DELETE CASCADE ON UPDATE CASCADE;

