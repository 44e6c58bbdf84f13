-- A nudge sweep reads again only the milestones about which something may now be owed. When
-- a sweep finds nothing owed about a milestone, it records from when (the sweep's time) until
-- when nothing can be, and what that was worked out from: the milestone's due date, kind and
-- snoozes as read, who would hear of it (the partnership's hearers version, below) and the
-- bank holidays in use. Later sweeps skip it until then, unless one of those has changed.
CREATE TABLE "milestone_nudge_rest" (
    "milestone_id" INTEGER NOT NULL,
    "since" TIMESTAMPTZ(3) NOT NULL,
    "until" TIMESTAMPTZ(3) NOT NULL,
    "due_date" DATE,
    "kind" "milestone_kind" NOT NULL,
    "snoozed_until" TIMESTAMPTZ(3),
    "snooze_count" INTEGER NOT NULL,
    "hearers_version" BIGINT NOT NULL,
    "calendar" TEXT NOT NULL,

    CONSTRAINT "milestone_nudge_rest_pkey" PRIMARY KEY ("milestone_id")
);

ALTER TABLE "milestone_nudge_rest" ADD CONSTRAINT "milestone_nudge_rest_milestone_id_fkey" FOREIGN KEY ("milestone_id") REFERENCES "milestone"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Counts the changes to who would hear of a partnership's milestones: owners, team members,
-- leads and sponsors, coordinators, people's time zones and regions, the partnership's
-- region. A rest recorded under an older count is not trusted. No row: nothing changed yet (0).
CREATE TABLE "nudge_hearers_version" (
    "partnership_id" INTEGER NOT NULL,
    "version" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "nudge_hearers_version_pkey" PRIMARY KEY ("partnership_id")
);

ALTER TABLE "nudge_hearers_version" ADD CONSTRAINT "nudge_hearers_version_partnership_id_fkey" FOREIGN KEY ("partnership_id") REFERENCES "partnership"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The triggers below keep the count: every change to those tables, however it is made (a
-- command, an import, a plan refresh, a cascade), counts. Each function is run by
-- test/integration/nudge-rest-triggers.test.ts after the migrations.

-- Counts one change for each of these partnerships that still exists.
CREATE FUNCTION "nudge_hearers_changed"("partnerships" INTEGER[]) RETURNS void
LANGUAGE sql SET search_path FROM CURRENT AS $$
  INSERT INTO "nudge_hearers_version" ("partnership_id", "version")
  SELECT "id", 1 FROM "partnership" WHERE "id" = ANY("partnerships")
  ON CONFLICT ("partnership_id") DO UPDATE SET "version" = "nudge_hearers_version"."version" + 1;
$$;

-- Owners added, removed or changed, once per statement (an import adds thousands at once).
CREATE FUNCTION "action_owner_hearers_changed"() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  PERFORM "nudge_hearers_changed"(ARRAY(
    SELECT DISTINCT pl."partnership_id" FROM "changed" c
    JOIN "action" a ON a."id" = c."action_id" JOIN "plan" pl ON pl."id" = a."plan_id"));
  RETURN NULL;
END $$;
CREATE TRIGGER "action_owner_added" AFTER INSERT ON "action_owner" REFERENCING NEW TABLE AS "changed" FOR EACH STATEMENT EXECUTE FUNCTION "action_owner_hearers_changed"();
CREATE TRIGGER "action_owner_updated" AFTER UPDATE ON "action_owner" REFERENCING NEW TABLE AS "changed" FOR EACH STATEMENT EXECUTE FUNCTION "action_owner_hearers_changed"();
CREATE TRIGGER "action_owner_removed" AFTER DELETE ON "action_owner" REFERENCING OLD TABLE AS "changed" FOR EACH STATEMENT EXECUTE FUNCTION "action_owner_hearers_changed"();

-- Team members added, removed or changed.
CREATE FUNCTION "team_member_hearers_changed"() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  PERFORM "nudge_hearers_changed"(ARRAY(SELECT DISTINCT t."partnership_id" FROM "changed" c JOIN "team" t ON t."id" = c."team_id"));
  RETURN NULL;
END $$;
CREATE TRIGGER "team_member_added" AFTER INSERT ON "team_member" REFERENCING NEW TABLE AS "changed" FOR EACH STATEMENT EXECUTE FUNCTION "team_member_hearers_changed"();
CREATE TRIGGER "team_member_updated" AFTER UPDATE ON "team_member" REFERENCING NEW TABLE AS "changed" FOR EACH STATEMENT EXECUTE FUNCTION "team_member_hearers_changed"();
CREATE TRIGGER "team_member_removed" AFTER DELETE ON "team_member" REFERENCING OLD TABLE AS "changed" FOR EACH STATEMENT EXECUTE FUNCTION "team_member_hearers_changed"();

-- Leads and sponsors added, removed or changed.
CREATE FUNCTION "priority_role_hearers_changed"() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  PERFORM "nudge_hearers_changed"(ARRAY(
    SELECT DISTINCT pl."partnership_id" FROM "changed" c
    JOIN "priority" pr ON pr."id" = c."priority_id" JOIN "plan" pl ON pl."id" = pr."plan_id"));
  RETURN NULL;
END $$;
CREATE TRIGGER "priority_role_added" AFTER INSERT ON "priority_role" REFERENCING NEW TABLE AS "changed" FOR EACH STATEMENT EXECUTE FUNCTION "priority_role_hearers_changed"();
CREATE TRIGGER "priority_role_updated" AFTER UPDATE ON "priority_role" REFERENCING NEW TABLE AS "changed" FOR EACH STATEMENT EXECUTE FUNCTION "priority_role_hearers_changed"();
CREATE TRIGGER "priority_role_removed" AFTER DELETE ON "priority_role" REFERENCING OLD TABLE AS "changed" FOR EACH STATEMENT EXECUTE FUNCTION "priority_role_hearers_changed"();

-- A new coordinator hears of work nobody owns; a person's time zone and region decide their dates.
CREATE FUNCTION "person_added_hearers_changed"() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  PERFORM "nudge_hearers_changed"(ARRAY(SELECT DISTINCT c."partnership_id" FROM "changed" c WHERE 'coordinator'::"person_role" = ANY(c."roles")));
  RETURN NULL;
END $$;
CREATE TRIGGER "person_added" AFTER INSERT ON "person" REFERENCING NEW TABLE AS "changed" FOR EACH STATEMENT EXECUTE FUNCTION "person_added_hearers_changed"();

-- Someone gone: whoever was first to hear of a milestone may be someone else now, in another zone.
CREATE FUNCTION "person_removed_hearers_changed"() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  PERFORM "nudge_hearers_changed"(ARRAY(SELECT DISTINCT c."partnership_id" FROM "changed" c));
  RETURN NULL;
END $$;
CREATE TRIGGER "person_removed" AFTER DELETE ON "person" REFERENCING OLD TABLE AS "changed" FOR EACH STATEMENT EXECUTE FUNCTION "person_removed_hearers_changed"();

CREATE FUNCTION "row_hearers_changed"() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  IF TG_TABLE_NAME = 'partnership' THEN
    PERFORM "nudge_hearers_changed"(ARRAY[NEW."id"]);
  ELSIF TG_TABLE_NAME = 'person' THEN
    PERFORM "nudge_hearers_changed"(ARRAY[OLD."partnership_id", NEW."partnership_id"]);
  ELSE
    PERFORM "nudge_hearers_changed"(ARRAY(SELECT pl."partnership_id" FROM "plan" pl WHERE pl."id" IN (OLD."plan_id", NEW."plan_id")));
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER "person_hearing_changed" AFTER UPDATE OF "roles", "time_zone", "region", "partnership_id" ON "person" FOR EACH ROW
  WHEN (OLD."roles" IS DISTINCT FROM NEW."roles" OR OLD."time_zone" IS DISTINCT FROM NEW."time_zone" OR OLD."region" IS DISTINCT FROM NEW."region" OR OLD."partnership_id" IS DISTINCT FROM NEW."partnership_id")
  EXECUTE FUNCTION "row_hearers_changed"();
-- The priority decides the leads and sponsors.
CREATE TRIGGER "action_hearing_changed" AFTER UPDATE OF "priority_id", "plan_id" ON "action" FOR EACH ROW
  WHEN (OLD."priority_id" IS DISTINCT FROM NEW."priority_id" OR OLD."plan_id" IS DISTINCT FROM NEW."plan_id")
  EXECUTE FUNCTION "row_hearers_changed"();
-- The partnership's region is everyone's bank holidays unless they have their own.
CREATE TRIGGER "partnership_hearing_changed" AFTER UPDATE OF "region" ON "partnership" FOR EACH ROW
  WHEN (OLD."region" IS DISTINCT FROM NEW."region")
  EXECUTE FUNCTION "row_hearers_changed"();

-- A sweep now reads the last nine days' stages of each batch of milestones it reads, not every
-- recent stage of the partnership: by milestone and stage date, a few index entries each (on the
-- key, every stage a milestone ever had). The stage-date index served the old read only.
DROP INDEX "milestone_nudge_stage_date_idx";
CREATE INDEX "milestone_nudge_milestone_id_stage_date_idx" ON "milestone_nudge"("milestone_id", "stage_date");
