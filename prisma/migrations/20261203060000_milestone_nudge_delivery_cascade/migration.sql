-- A nudge record's delivery is inserted in the same statement as the record, which takes its
-- id from the rows that insert returned (adapters/db/milestone-nudges.ts, enqueueNudges): the
-- only writer of milestone_nudge, so its delivery always exists when the record is written.
-- The foreign key checked that again for every record (one lock on the just-inserted delivery
-- row each), about a tenth of a working day's 09:00 sweep's database time at 10,000 actions.
-- It is replaced by what it did besides: deleting a delivery (retention, a person's deletion
-- through their deliveries) deletes its nudge records, here once per statement, on the
-- delivery index. Run by test/integration/nudge-delivery-cascade.test.ts after the migrations.

-- DropForeignKey
ALTER TABLE "milestone_nudge" DROP CONSTRAINT "milestone_nudge_delivery_id_fkey";

-- The nudge records of the deliveries a statement deleted, however it deleted them.
CREATE FUNCTION "delivery_nudges_removed"() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  DELETE FROM "milestone_nudge" n USING "removed" d WHERE n."delivery_id" = d."id";
  RETURN NULL;
END $$;
CREATE TRIGGER "delivery_removed" AFTER DELETE ON "delivery" REFERENCING OLD TABLE AS "removed" FOR EACH STATEMENT EXECUTE FUNCTION "delivery_nudges_removed"();
