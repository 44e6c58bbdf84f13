-- A decision on a held message (/curve held) reads the hold with the person deciding, and with
-- it what the held line reads by name when that is an action by ref, so the line runs again
-- with no read of its own. Holds made before this have none, and read their action as before.

-- AlterTable
ALTER TABLE "held_text" ADD COLUMN "line_read" JSONB;
