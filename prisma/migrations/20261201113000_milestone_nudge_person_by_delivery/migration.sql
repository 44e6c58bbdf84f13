-- A nudge's person is its delivery's person (the sweep writes both from one row), and deleting
-- a person deletes their deliveries and, through delivery_id's key, these rows: this second key
-- only repeated a check on every nudge recorded (a third of the recording's time).
-- DropForeignKey
ALTER TABLE "milestone_nudge" DROP CONSTRAINT "milestone_nudge_person_id_fkey";
