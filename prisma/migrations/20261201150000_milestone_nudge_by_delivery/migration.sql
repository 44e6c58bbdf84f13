-- A delivery's nudge records go with it (ON DELETE CASCADE): when a person is deleted, or the
-- outbox's retention deletes old deliveries. Without this index each deleted delivery read
-- every nudge record ever made to find its own.
CREATE INDEX "milestone_nudge_delivery_id_idx" ON "milestone_nudge"("delivery_id");
