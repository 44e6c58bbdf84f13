-- AlterTable
ALTER TABLE "person" ALTER COLUMN "roles" SET DEFAULT ARRAY[]::"person_role"[];


-- People added before this default had no roles recorded as NULL.
UPDATE "person" SET "roles" = ARRAY[]::"person_role"[] WHERE "roles" IS NULL;
