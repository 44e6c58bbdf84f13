-- /oba log is one statement after its read: it numbers the workshop it makes among those its
-- creator logged on the indicator that day (the read's highest, plus one), and this key lets
-- only one of two logs decided on the same read make it. The other's insert changes nothing
-- and it is decided again in a transaction, which finds the first. (A twin sent at the same
-- moment cannot be seen by a guard in the statement's WHERE under READ COMMITTED; a unique
-- key is checked against rows committed since.) Workshops already logged are numbered in
-- the order they were made.

-- AlterTable
ALTER TABLE "oba_workshop" ADD COLUMN "same_day_number" INTEGER;

UPDATE "oba_workshop" AS w
SET "same_day_number" = n."number"
FROM (
  SELECT "id", row_number() OVER (PARTITION BY "indicator_id", "created_by_id", "held_on" ORDER BY "id") AS "number"
  FROM "oba_workshop"
) AS n
WHERE n."id" = w."id";

-- CreateIndex
CREATE UNIQUE INDEX "oba_workshop_same_day_key" ON "oba_workshop"("indicator_id", "created_by_id", "held_on", "same_day_number");
