-- Every nudge sweep reads the stages sent in the last nine days (adapters/db/milestone-nudges.ts):
-- without this index it read every nudge ever sent, a table that grows every week.
CREATE INDEX "milestone_nudge_stage_date_idx" ON "milestone_nudge"("stage_date");
