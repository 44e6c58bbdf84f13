-- CreateTable
CREATE TABLE "milestone_nudge_tally" (
    "milestone_id" INTEGER NOT NULL,
    "overdue_nudges" INTEGER NOT NULL DEFAULT 0,
    "first_nudged_on" DATE NOT NULL,

    CONSTRAINT "milestone_nudge_tally_pkey" PRIMARY KEY ("milestone_id")
);

-- AddForeignKey
ALTER TABLE "milestone_nudge_tally" ADD CONSTRAINT "milestone_nudge_tally_milestone_id_fkey" FOREIGN KEY ("milestone_id") REFERENCES "milestone"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Back-fill: what the sweep counted from milestone_nudge until now, once per milestone ever nudged.
INSERT INTO "milestone_nudge_tally" ("milestone_id", "overdue_nudges", "first_nudged_on")
SELECT "milestone_id",
       count(DISTINCT "stage_date") FILTER (WHERE "stage" = 'overdue'),
       (min("created_at") AT TIME ZONE 'Europe/London')::date
FROM "milestone_nudge"
GROUP BY "milestone_id";
