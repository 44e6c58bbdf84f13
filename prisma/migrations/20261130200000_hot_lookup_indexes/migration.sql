-- CreateIndex
CREATE INDEX "action_owner_team_id_idx" ON "action_owner"("team_id");

-- CreateIndex
CREATE INDEX "team_member_person_id_idx" ON "team_member"("person_id");

-- CreateIndex
CREATE INDEX "milestone_done_at_due_date_idx" ON "milestone"("done_at", "due_date");
