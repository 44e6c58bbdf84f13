-- Two foreign keys that a nudge sweep checked once per row it wrote, for rows known to be good,
-- about a twentieth of a working day's 09:00 sweep at 10,000 actions (1,772 messages, 3,350 nudge
-- records; EXPLAIN ANALYZE: 6 of 26 ms per statement of 500 messages).
--
-- delivery.partnership_id: a delivery's partnership is its person's, and person_id keeps its key.
-- Deleting a partnership deletes its people, and with them their deliveries, as before.
--
-- milestone_nudge.milestone_id: the only writer of milestone_nudge is the sweep, which read the
-- milestone in the same transaction. What the key did besides, the cascade, is kept by a
-- statement-level trigger: deleting milestones (one, many, an action's or a plan's through their
-- own keys) deletes their nudge records, on milestone_nudge's key, which starts with the
-- milestone. A record a sweep writes for a milestone deleted while the sweep ran is not caught
-- here; it goes with its delivery (the outbox's retention, delivery_removed). Run by
-- test/integration/nudge-delivery-cascade.test.ts after the migrations.

-- DropForeignKey
ALTER TABLE "delivery" DROP CONSTRAINT "delivery_partnership_id_fkey";

-- DropForeignKey
ALTER TABLE "milestone_nudge" DROP CONSTRAINT "milestone_nudge_milestone_id_fkey";

-- The nudge records of the milestones a statement deleted, however it deleted them.
CREATE FUNCTION "milestone_nudges_removed"() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  DELETE FROM "milestone_nudge" n USING "removed" m WHERE n."milestone_id" = m."id";
  RETURN NULL;
END $$;
CREATE TRIGGER "milestone_removed" AFTER DELETE ON "milestone" REFERENCING OLD TABLE AS "removed" FOR EACH STATEMENT EXECUTE FUNCTION "milestone_nudges_removed"();
