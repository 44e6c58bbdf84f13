-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "plan_kind" AS ENUM ('improvement_plan', 'children_and_young_peoples_plan', 'inspection_action_plan');

-- CreateEnum
CREATE TYPE "priority_kind" AS ENUM ('priority', 'ambition');

-- CreateEnum
CREATE TYPE "priority_role_kind" AS ENUM ('sponsor', 'lead');

-- CreateEnum
CREATE TYPE "action_state" AS ENUM ('not_started', 'on_track', 'at_risk', 'off_track', 'done', 'dropped');

-- CreateEnum
CREATE TYPE "milestone_kind" AS ENUM ('milestone', 'target');

-- CreateEnum
CREATE TYPE "due_precision" AS ENUM ('day', 'month', 'term', 'season', 'year', 'tbc');

-- CreateEnum
CREATE TYPE "person_role" AS ENUM ('coordinator', 'admin', 'board_member');

-- CreateEnum
CREATE TYPE "platform" AS ENUM ('slack', 'teams', 'shell');

-- CreateEnum
CREATE TYPE "team_kind" AS ENUM ('team', 'organisation');

-- CreateEnum
CREATE TYPE "polarity" AS ENUM ('lower_is_better', 'higher_is_better', 'unknown');

-- CreateEnum
CREATE TYPE "pledge_kind" AS ENUM ('attendance', 'child_friendly_city', 'custom');

-- CreateEnum
CREATE TYPE "delivery_status" AS ENUM ('pending', 'sending', 'sent', 'failed', 'cancelled');

-- CreateTable
CREATE TABLE "partnership" (
    "id" SERIAL NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "partnership_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "plan" (
    "id" SERIAL NOT NULL,
    "partnership_id" INTEGER NOT NULL,
    "key" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "kind" "plan_kind" NOT NULL,
    "period_start" DATE,
    "period_end" DATE,
    "source" TEXT,

    CONSTRAINT "plan_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "outcome" (
    "id" SERIAL NOT NULL,
    "plan_id" INTEGER NOT NULL,
    "number" INTEGER NOT NULL,
    "key" TEXT NOT NULL,
    "title" TEXT NOT NULL,

    CONSTRAINT "outcome_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "priority" (
    "id" SERIAL NOT NULL,
    "plan_id" INTEGER NOT NULL,
    "outcome_id" INTEGER,
    "kind" "priority_kind" NOT NULL DEFAULT 'priority',
    "number" INTEGER,
    "title" TEXT NOT NULL,
    "obsession" TEXT,
    "starting_point" BOOLEAN NOT NULL DEFAULT false,
    "ref_prefix" TEXT,
    "channel" TEXT,
    "note" TEXT,

    CONSTRAINT "priority_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "priority_role" (
    "priority_id" INTEGER NOT NULL,
    "person_id" INTEGER NOT NULL,
    "role" "priority_role_kind" NOT NULL,
    "position" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "priority_role_pkey" PRIMARY KEY ("priority_id","person_id","role")
);

-- CreateTable
CREATE TABLE "action" (
    "id" SERIAL NOT NULL,
    "plan_id" INTEGER NOT NULL,
    "priority_id" INTEGER,
    "ref" TEXT NOT NULL,
    "section" TEXT,
    "title" TEXT NOT NULL,
    "targeting" TEXT,
    "owner_text" TEXT,
    "contributor_text" TEXT,
    "what_we_will_do" TEXT,
    "how_we_will_do_it" TEXT,
    "how_we_will_know" TEXT,
    "state" "action_state" NOT NULL DEFAULT 'not_started',
    "source_note" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "action_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "action_owner" (
    "id" SERIAL NOT NULL,
    "action_id" INTEGER NOT NULL,
    "person_id" INTEGER,
    "team_id" INTEGER,
    "position" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "action_owner_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "action_contributor" (
    "id" SERIAL NOT NULL,
    "action_id" INTEGER NOT NULL,
    "person_id" INTEGER,
    "team_id" INTEGER,
    "position" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "action_contributor_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "action_note" (
    "id" SERIAL NOT NULL,
    "action_id" INTEGER NOT NULL,
    "author_id" INTEGER,
    "text" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "action_note_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "milestone" (
    "id" SERIAL NOT NULL,
    "action_id" INTEGER NOT NULL,
    "ref" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "text" TEXT NOT NULL,
    "kind" "milestone_kind" NOT NULL DEFAULT 'milestone',
    "due_precision" "due_precision" NOT NULL,
    "due_start" DATE,
    "due_date" DATE,
    "due_phrase" TEXT,
    "done_at" TIMESTAMPTZ(3),
    "done_by_id" INTEGER,
    "evidence" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "milestone_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "person" (
    "id" SERIAL NOT NULL,
    "partnership_id" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "email" TEXT,
    "roles" "person_role"[],
    "job_title" TEXT,
    "time_zone" TEXT NOT NULL DEFAULT 'Europe/London',
    "quiet_start_minute" INTEGER NOT NULL DEFAULT 1080,
    "quiet_end_minute" INTEGER NOT NULL DEFAULT 480,
    "preferred_platform" "platform",
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "person_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "platform_identity" (
    "id" SERIAL NOT NULL,
    "person_id" INTEGER NOT NULL,
    "platform" "platform" NOT NULL,
    "tenant" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "conversation" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "platform_identity_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "team" (
    "id" SERIAL NOT NULL,
    "partnership_id" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "team_kind" NOT NULL DEFAULT 'team',

    CONSTRAINT "team_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "team_member" (
    "team_id" INTEGER NOT NULL,
    "person_id" INTEGER NOT NULL,

    CONSTRAINT "team_member_pkey" PRIMARY KEY ("team_id","person_id")
);

-- CreateTable
CREATE TABLE "indicator" (
    "id" SERIAL NOT NULL,
    "partnership_id" INTEGER NOT NULL,
    "priority_id" INTEGER,
    "owner_id" INTEGER,
    "number" INTEGER,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "unit" TEXT NOT NULL,
    "polarity" "polarity" NOT NULL,
    "obsession" BOOLEAN NOT NULL DEFAULT false,
    "baseline_value" DOUBLE PRECISION,
    "baseline_date" DATE,
    "baseline_text" TEXT,
    "note" TEXT,

    CONSTRAINT "indicator_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "indicator_target" (
    "id" SERIAL NOT NULL,
    "indicator_id" INTEGER NOT NULL,
    "value" DOUBLE PRECISION NOT NULL,
    "due_date" DATE NOT NULL,
    "text" TEXT,

    CONSTRAINT "indicator_target_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "indicator_reading" (
    "id" SERIAL NOT NULL,
    "indicator_id" INTEGER NOT NULL,
    "period" TEXT NOT NULL,
    "period_end" DATE NOT NULL,
    "value" DOUBLE PRECISION NOT NULL,
    "source" TEXT,
    "recorded_by_id" INTEGER,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "indicator_reading_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "oba_workshop" (
    "id" SERIAL NOT NULL,
    "partnership_id" INTEGER NOT NULL,
    "indicator_id" INTEGER NOT NULL,
    "held_on" DATE NOT NULL,
    "how_we_are_doing" TEXT,
    "story_behind_baseline" TEXT,
    "partners" TEXT,
    "what_works" TEXT,
    "information_gaps" TEXT,
    "proposed_actions" JSONB NOT NULL DEFAULT '[]',
    "created_by_id" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "oba_workshop_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "pledge" (
    "id" SERIAL NOT NULL,
    "partnership_id" INTEGER NOT NULL,
    "kind" "pledge_kind" NOT NULL,
    "title" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "opens_at" TIMESTAMPTZ(3),
    "closes_at" TIMESTAMPTZ(3),
    "channel" TEXT,
    "created_by_id" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "pledge_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "pledge_signature" (
    "id" SERIAL NOT NULL,
    "pledge_id" INTEGER NOT NULL,
    "person_id" INTEGER NOT NULL,
    "on_behalf_of" TEXT NOT NULL DEFAULT '',
    "commitment" TEXT NOT NULL,
    "is_public" BOOLEAN NOT NULL DEFAULT false,
    "signed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "pledge_signature_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_event" (
    "id" SERIAL NOT NULL,
    "partnership_id" INTEGER NOT NULL,
    "actor_id" INTEGER,
    "event" TEXT NOT NULL,
    "subject_type" TEXT NOT NULL,
    "subject_id" INTEGER NOT NULL,
    "subject_ref" TEXT,
    "action_id" INTEGER,
    "before" JSONB,
    "after" JSONB,
    "origin" JSONB,
    "idempotency_key" TEXT,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "command_receipt" (
    "partnership_id" INTEGER NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "reply" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "command_receipt_pkey" PRIMARY KEY ("partnership_id","idempotency_key")
);

-- CreateTable
CREATE TABLE "delivery" (
    "id" SERIAL NOT NULL,
    "partnership_id" INTEGER NOT NULL,
    "person_id" INTEGER NOT NULL,
    "key" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "status" "delivery_status" NOT NULL DEFAULT 'pending',
    "due_at" TIMESTAMPTZ(3) NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "platform" "platform",
    "message_ref" TEXT,
    "claimed_by" TEXT,
    "claimed_at" TIMESTAMPTZ(3),
    "sent_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "delivery_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "partnership_slug_key" ON "partnership"("slug");

-- CreateIndex
CREATE UNIQUE INDEX "plan_partnership_id_key_key" ON "plan"("partnership_id", "key");

-- CreateIndex
CREATE UNIQUE INDEX "outcome_plan_id_key_key" ON "outcome"("plan_id", "key");

-- CreateIndex
CREATE UNIQUE INDEX "priority_plan_id_kind_title_key" ON "priority"("plan_id", "kind", "title");

-- CreateIndex
CREATE INDEX "priority_role_person_id_idx" ON "priority_role"("person_id");

-- CreateIndex
CREATE INDEX "action_ref_idx" ON "action"("ref");

-- CreateIndex
CREATE INDEX "action_priority_id_idx" ON "action"("priority_id");

-- CreateIndex
CREATE UNIQUE INDEX "action_plan_id_ref_key" ON "action"("plan_id", "ref");

-- CreateIndex
CREATE INDEX "action_owner_action_id_idx" ON "action_owner"("action_id");

-- CreateIndex
CREATE INDEX "action_owner_person_id_idx" ON "action_owner"("person_id");

-- CreateIndex
CREATE INDEX "action_contributor_action_id_idx" ON "action_contributor"("action_id");

-- CreateIndex
CREATE INDEX "action_contributor_person_id_idx" ON "action_contributor"("person_id");

-- CreateIndex
CREATE INDEX "action_note_action_id_idx" ON "action_note"("action_id");

-- CreateIndex
CREATE INDEX "milestone_ref_idx" ON "milestone"("ref");

-- CreateIndex
CREATE INDEX "milestone_due_date_idx" ON "milestone"("due_date");

-- CreateIndex
CREATE UNIQUE INDEX "milestone_action_id_position_key" ON "milestone"("action_id", "position");

-- CreateIndex
CREATE INDEX "person_partnership_id_name_idx" ON "person"("partnership_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "person_partnership_id_email_key" ON "person"("partnership_id", "email");

-- CreateIndex
CREATE INDEX "platform_identity_person_id_idx" ON "platform_identity"("person_id");

-- CreateIndex
CREATE UNIQUE INDEX "platform_identity_platform_tenant_user_id_key" ON "platform_identity"("platform", "tenant", "user_id");

-- CreateIndex
CREATE UNIQUE INDEX "team_partnership_id_name_key" ON "team"("partnership_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "indicator_partnership_id_code_key" ON "indicator"("partnership_id", "code");

-- CreateIndex
CREATE UNIQUE INDEX "indicator_target_indicator_id_due_date_key" ON "indicator_target"("indicator_id", "due_date");

-- CreateIndex
CREATE UNIQUE INDEX "indicator_reading_indicator_id_period_end_key" ON "indicator_reading"("indicator_id", "period_end");

-- CreateIndex
CREATE UNIQUE INDEX "pledge_signature_pledge_id_person_id_on_behalf_of_key" ON "pledge_signature"("pledge_id", "person_id", "on_behalf_of");

-- CreateIndex
CREATE INDEX "audit_event_action_id_at_idx" ON "audit_event"("action_id", "at");

-- CreateIndex
CREATE INDEX "audit_event_partnership_id_at_idx" ON "audit_event"("partnership_id", "at");

-- CreateIndex
CREATE UNIQUE INDEX "delivery_key_key" ON "delivery"("key");

-- CreateIndex
CREATE INDEX "delivery_status_due_at_idx" ON "delivery"("status", "due_at");

-- AddForeignKey
ALTER TABLE "plan" ADD CONSTRAINT "plan_partnership_id_fkey" FOREIGN KEY ("partnership_id") REFERENCES "partnership"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "outcome" ADD CONSTRAINT "outcome_plan_id_fkey" FOREIGN KEY ("plan_id") REFERENCES "plan"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "priority" ADD CONSTRAINT "priority_plan_id_fkey" FOREIGN KEY ("plan_id") REFERENCES "plan"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "priority" ADD CONSTRAINT "priority_outcome_id_fkey" FOREIGN KEY ("outcome_id") REFERENCES "outcome"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "priority_role" ADD CONSTRAINT "priority_role_priority_id_fkey" FOREIGN KEY ("priority_id") REFERENCES "priority"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "priority_role" ADD CONSTRAINT "priority_role_person_id_fkey" FOREIGN KEY ("person_id") REFERENCES "person"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "action" ADD CONSTRAINT "action_plan_id_fkey" FOREIGN KEY ("plan_id") REFERENCES "plan"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "action" ADD CONSTRAINT "action_priority_id_fkey" FOREIGN KEY ("priority_id") REFERENCES "priority"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "action_owner" ADD CONSTRAINT "action_owner_action_id_fkey" FOREIGN KEY ("action_id") REFERENCES "action"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "action_owner" ADD CONSTRAINT "action_owner_person_id_fkey" FOREIGN KEY ("person_id") REFERENCES "person"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "action_owner" ADD CONSTRAINT "action_owner_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "team"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "action_contributor" ADD CONSTRAINT "action_contributor_action_id_fkey" FOREIGN KEY ("action_id") REFERENCES "action"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "action_contributor" ADD CONSTRAINT "action_contributor_person_id_fkey" FOREIGN KEY ("person_id") REFERENCES "person"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "action_contributor" ADD CONSTRAINT "action_contributor_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "team"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "action_note" ADD CONSTRAINT "action_note_action_id_fkey" FOREIGN KEY ("action_id") REFERENCES "action"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "action_note" ADD CONSTRAINT "action_note_author_id_fkey" FOREIGN KEY ("author_id") REFERENCES "person"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "milestone" ADD CONSTRAINT "milestone_action_id_fkey" FOREIGN KEY ("action_id") REFERENCES "action"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "milestone" ADD CONSTRAINT "milestone_done_by_id_fkey" FOREIGN KEY ("done_by_id") REFERENCES "person"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "person" ADD CONSTRAINT "person_partnership_id_fkey" FOREIGN KEY ("partnership_id") REFERENCES "partnership"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "platform_identity" ADD CONSTRAINT "platform_identity_person_id_fkey" FOREIGN KEY ("person_id") REFERENCES "person"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "team" ADD CONSTRAINT "team_partnership_id_fkey" FOREIGN KEY ("partnership_id") REFERENCES "partnership"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "team_member" ADD CONSTRAINT "team_member_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "team"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "team_member" ADD CONSTRAINT "team_member_person_id_fkey" FOREIGN KEY ("person_id") REFERENCES "person"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "indicator" ADD CONSTRAINT "indicator_partnership_id_fkey" FOREIGN KEY ("partnership_id") REFERENCES "partnership"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "indicator" ADD CONSTRAINT "indicator_priority_id_fkey" FOREIGN KEY ("priority_id") REFERENCES "priority"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "indicator" ADD CONSTRAINT "indicator_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "person"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "indicator_target" ADD CONSTRAINT "indicator_target_indicator_id_fkey" FOREIGN KEY ("indicator_id") REFERENCES "indicator"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "indicator_reading" ADD CONSTRAINT "indicator_reading_indicator_id_fkey" FOREIGN KEY ("indicator_id") REFERENCES "indicator"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "indicator_reading" ADD CONSTRAINT "indicator_reading_recorded_by_id_fkey" FOREIGN KEY ("recorded_by_id") REFERENCES "person"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "oba_workshop" ADD CONSTRAINT "oba_workshop_partnership_id_fkey" FOREIGN KEY ("partnership_id") REFERENCES "partnership"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "oba_workshop" ADD CONSTRAINT "oba_workshop_indicator_id_fkey" FOREIGN KEY ("indicator_id") REFERENCES "indicator"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "pledge" ADD CONSTRAINT "pledge_partnership_id_fkey" FOREIGN KEY ("partnership_id") REFERENCES "partnership"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "pledge_signature" ADD CONSTRAINT "pledge_signature_pledge_id_fkey" FOREIGN KEY ("pledge_id") REFERENCES "pledge"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "pledge_signature" ADD CONSTRAINT "pledge_signature_person_id_fkey" FOREIGN KEY ("person_id") REFERENCES "person"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audit_event" ADD CONSTRAINT "audit_event_partnership_id_fkey" FOREIGN KEY ("partnership_id") REFERENCES "partnership"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audit_event" ADD CONSTRAINT "audit_event_actor_id_fkey" FOREIGN KEY ("actor_id") REFERENCES "person"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "command_receipt" ADD CONSTRAINT "command_receipt_partnership_id_fkey" FOREIGN KEY ("partnership_id") REFERENCES "partnership"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "delivery" ADD CONSTRAINT "delivery_partnership_id_fkey" FOREIGN KEY ("partnership_id") REFERENCES "partnership"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "delivery" ADD CONSTRAINT "delivery_person_id_fkey" FOREIGN KEY ("person_id") REFERENCES "person"("id") ON DELETE CASCADE ON UPDATE CASCADE;

