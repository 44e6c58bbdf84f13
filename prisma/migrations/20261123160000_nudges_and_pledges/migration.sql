-- AlterEnum
ALTER TYPE "person_role" ADD VALUE 'ambassador';

-- AlterTable
ALTER TABLE "milestone" ADD COLUMN     "snooze_count" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "snoozed_until" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "person" ADD COLUMN     "digest_minute" INTEGER NOT NULL DEFAULT 510,
ADD COLUMN     "digest_weekday" INTEGER NOT NULL DEFAULT 1;

-- AlterTable
ALTER TABLE "indicator" ADD COLUMN     "forecast" JSONB,
ADD COLUMN     "periodicity" TEXT;

-- AlterTable
ALTER TABLE "pledge" ADD COLUMN     "message_ref" TEXT;

-- AlterTable
ALTER TABLE "pledge_signature" ADD COLUMN     "withdrawn_at" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "pledge_follow_up" (
    "id" SERIAL NOT NULL,
    "signature_id" INTEGER NOT NULL,
    "stage" INTEGER NOT NULL,
    "asked_at" TIMESTAMPTZ(3),
    "answer" TEXT,
    "answered_at" TIMESTAMPTZ(3),

    CONSTRAINT "pledge_follow_up_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "snooze" (
    "id" SERIAL NOT NULL,
    "milestone_id" INTEGER NOT NULL,
    "person_id" INTEGER NOT NULL,
    "until" TIMESTAMPTZ(3) NOT NULL,
    "reason" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "snooze_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "milestone_nudge" (
    "milestone_id" INTEGER NOT NULL,
    "person_id" INTEGER NOT NULL,
    "stage" TEXT NOT NULL,
    "stage_date" DATE NOT NULL,
    "delivery_id" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "milestone_nudge_pkey" PRIMARY KEY ("milestone_id","person_id","stage","stage_date")
);

-- CreateTable
CREATE TABLE "escalation" (
    "id" SERIAL NOT NULL,
    "milestone_id" INTEGER NOT NULL,
    "level" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "delivery_id" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "escalation_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "pledge_follow_up_signature_id_stage_key" ON "pledge_follow_up"("signature_id", "stage");

-- CreateIndex
CREATE INDEX "snooze_milestone_id_idx" ON "snooze"("milestone_id");

-- CreateIndex
CREATE INDEX "milestone_nudge_person_id_idx" ON "milestone_nudge"("person_id");

-- CreateIndex
CREATE UNIQUE INDEX "escalation_milestone_id_level_key" ON "escalation"("milestone_id", "level");

-- CreateIndex
CREATE INDEX "delivery_person_id_kind_sent_at_idx" ON "delivery"("person_id", "kind", "sent_at");

-- AddForeignKey
ALTER TABLE "pledge_follow_up" ADD CONSTRAINT "pledge_follow_up_signature_id_fkey" FOREIGN KEY ("signature_id") REFERENCES "pledge_signature"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "snooze" ADD CONSTRAINT "snooze_milestone_id_fkey" FOREIGN KEY ("milestone_id") REFERENCES "milestone"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "snooze" ADD CONSTRAINT "snooze_person_id_fkey" FOREIGN KEY ("person_id") REFERENCES "person"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "milestone_nudge" ADD CONSTRAINT "milestone_nudge_milestone_id_fkey" FOREIGN KEY ("milestone_id") REFERENCES "milestone"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "milestone_nudge" ADD CONSTRAINT "milestone_nudge_person_id_fkey" FOREIGN KEY ("person_id") REFERENCES "person"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "milestone_nudge" ADD CONSTRAINT "milestone_nudge_delivery_id_fkey" FOREIGN KEY ("delivery_id") REFERENCES "delivery"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "escalation" ADD CONSTRAINT "escalation_milestone_id_fkey" FOREIGN KEY ("milestone_id") REFERENCES "milestone"("id") ON DELETE CASCADE ON UPDATE CASCADE;

