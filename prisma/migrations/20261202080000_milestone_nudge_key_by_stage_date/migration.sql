-- Every row recorded at a sweep is written to each of this table's indexes, so each index
-- costs every sweep's writes. Two served nothing the key could not:
-- * the person index: nothing reads nudge records by person since deleting a person goes
--   through their deliveries (20261201113000);
-- * the milestone and stage-date index: the key, ordered milestone, stage date, stage,
--   person, serves both of the sweep's reads (the last nine days' stages of a batch of
--   milestones; whether an overdue week was nudged before) as that index did.
-- Rebuilding the key locks the table while it runs.

-- DropIndex
DROP INDEX "milestone_nudge_person_id_idx";

-- DropIndex
DROP INDEX "milestone_nudge_milestone_id_stage_date_idx";

-- AlterTable
ALTER TABLE "milestone_nudge" DROP CONSTRAINT "milestone_nudge_pkey",
ADD CONSTRAINT "milestone_nudge_pkey" PRIMARY KEY ("milestone_id", "stage_date", "stage", "person_id");
