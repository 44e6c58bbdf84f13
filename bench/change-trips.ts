// Round trips to the database for every kind of change a person makes in chat, counted at the
// driver on the Leeds demo, on PGlite and on PostgreSQL: what each change costs end to end,
// identifying the sender and the dedupe read included (the target is 2; a retry with the same
// key, 1). The milestone and action changes are also counted at 10,000 actions (run.ts).
import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { splitSchema } from "../src/adapters/db/open-database.ts";
import { loadDemo, openTestDatabase, type DatabaseKindUnderTest } from "../test/support/databases.ts";
import { commandDriver } from "../test/support/invoke.ts";
import { jobStoreOf } from "../src/adapters/db/job-store.ts";
import { enqueueInsightDeliveries } from "../src/jobs/insight-deliveries.ts";

/**
 * One step: who runs which line; `retry` reuses the previous step's idempotency key (a retry);
 * `on` the platform it comes from (the shell unless said: linking an account and /plan channel need Slack or Teams).
 */
type Step = { name: string; as: string; line: string | ((ids: Ids) => string); retry?: true; on?: "slack" };
type Ids = { pledge: number; workshop: number; question: string; held: string };

const STEPS: Step[] = [
  { name: "milestoneDone", as: "Jancis Andrew", line: "/milestone done ATT-5.1 script agreed" },
  { name: "retrySameKey", as: "Jancis Andrew", line: "/milestone done ATT-5.1 script agreed", retry: true },
  { name: "actionStatus", as: "Jancis Andrew", line: "/action status ATT-5 at-risk waiting for the data" },
  { name: "indicatorRecord", as: "Nigel Richardson", line: "/indicator record NEET 7.8 2011-06" },
  { name: "indicatorRecordRetry", as: "Nigel Richardson", line: "/indicator record NEET 7.8 2011-06", retry: true },
  { name: "indicatorTolerance", as: "Nigel Richardson", line: "/indicator tolerance NEET 0.2" },
  { name: "indicatorTarget", as: "Nigel Richardson", line: "/indicator target NEET 6.5 by March 2013" },
  { name: "pledgeNew", as: "Nigel Richardson", line: "/pledge new attendance Every day counts | We will help every child attend school every day" },
  { name: "pledgeNewRetry", as: "Nigel Richardson", line: "/pledge new attendance Every day counts | We will help every child attend school every day", retry: true },
  { name: "pledgeSign", as: "Jancis Andrew", line: (ids) => `/pledge sign P${ids.pledge} I will ring home` },
  { name: "pledgeSignRetry", as: "Jancis Andrew", line: (ids) => `/pledge sign P${ids.pledge} I will ring home`, retry: true },
  { name: "pledgeAnswer", as: "Jancis Andrew", line: (ids) => `/pledge answer done ${ids.question}` },
  { name: "pledgeWithdraw", as: "Jancis Andrew", line: (ids) => `/pledge withdraw P${ids.pledge}` },
  { name: "obaLog", as: "Nigel Richardson", line: "/oba log LAC story: admissions rose as court delays lengthened" },
  { name: "obaLogRetry", as: "Nigel Richardson", line: "/oba log LAC story: admissions rose as court delays lengthened", retry: true },
  { name: "obaAdd", as: "Nigel Richardson", line: (ids) => `/oba add W${ids.workshop} gaps: no data on short-term admissions` },
  { name: "obaPropose", as: "Nigel Richardson", line: (ids) => `/oba propose W${ids.workshop} Sue May: edge-of-care panel; panel meets weekly by end of October 2011` },
  { name: "riskAdd", as: "Nigel Richardson", line: "/risk add ATT | Police data shared late | likelihood: 2 | impact: 2" },
  { name: "riskReview", as: "Nigel Richardson", line: "/risk review R1 next: 14 October 2011" },
  { name: "riskClose", as: "Nigel Richardson", line: "/risk close R1 protocol signed" },
  { name: "curveSettings", as: "Jancis Andrew", line: "/curve settings quiet 19:00-07:30" },
  { name: "curveSettingsRetry", as: "Jancis Andrew", line: "/curve settings quiet 19:00-07:30", retry: true },
  { name: "planChannel", as: "Tony Adlard", line: "/plan channel ATT-1 here", on: "slack" },
  { name: "planChannelRetry", as: "Tony Adlard", line: "/plan channel ATT-1 here", on: "slack", retry: true },
  { name: "curvePrivacy", as: "Nigel Richardson", line: "/curve privacy postcode off" },
  { name: "curvePrivacyRetry", as: "Nigel Richardson", line: "/curve privacy postcode off", retry: true },
  { name: "curvePublish", as: "Nigel Richardson", line: "/curve publish indicators on" },
  { name: "curvePublishRetry", as: "Nigel Richardson", line: "/curve publish indicators on", retry: true },
  // The rest of the changes a person makes in chat, buttons included (button-commands.ts: each
  // button is one of these lines).
  { name: "milestoneEvidence", as: "Jancis Andrew", line: "/milestone evidence ATT-5.1 chairs signed it off" },
  { name: "milestoneUndo", as: "Jancis Andrew", line: "/milestone undo ATT-5.1" },
  { name: "milestoneDate", as: "Jancis Andrew", line: "/milestone date ATT-5.1 end of March 2012" },
  { name: "milestoneSnooze", as: "Jancis Andrew", line: "/milestone snooze ATT-5.1 2w waiting for the data" },
  { name: "actionNote", as: "Jancis Andrew", line: "/action note ATT-5 rang the cluster chairs" },
  { name: "indicatorForecast", as: "Nigel Richardson", line: "/indicator forecast NEET 7.5 2011/12" },
  { name: "indicatorPeriodicity", as: "Nigel Richardson", line: "/indicator periodicity NEET quarterly" },
  { name: "indicatorOwner", as: "Nigel Richardson", line: "/indicator owner NEET Jancis Andrew" },
  { name: "heldHold", as: "Jancis Andrew", line: "/milestone done ATT-4.1 referral sent for 999 123 4578" },
  { name: "heldHoldRetry", as: "Jancis Andrew", line: "/milestone done ATT-4.1 referral sent for 999 123 4578", retry: true },
  { name: "heldRemove", as: "Jancis Andrew", line: (ids) => `/curve held remove ${ids.held}` },
  { name: "heldRemoveRetry", as: "Jancis Andrew", line: (ids) => `/curve held remove ${ids.held}`, retry: true },
  { name: "reportSchedule", as: "Nigel Richardson", line: "/report schedule monthly first-working-day 09:00 to #ctb-board" },
  { name: "reportScheduleRetry", as: "Nigel Richardson", line: "/report schedule monthly first-working-day 09:00 to #ctb-board", retry: true },
  { name: "reportReschedule", as: "Nigel Richardson", line: "/report schedule monthly last-working-day 16:00 to #ctb-board" },
  { name: "reportScheduleOff", as: "Nigel Richardson", line: "/report schedule off monthly" },
  { name: "reportScheduleOffRetry", as: "Nigel Richardson", line: "/report schedule off monthly", retry: true },
  { name: "teamAdd", as: "Nigel Richardson", line: "/team add ICT Jancis Andrew" },
  { name: "teamAddRetry", as: "Nigel Richardson", line: "/team add ICT Jancis Andrew", retry: true },
  { name: "teamRemove", as: "Nigel Richardson", line: "/team remove ICT Jancis Andrew" },
  { name: "teamCreate", as: "Nigel Richardson", line: '/team add "Attendance task group" Jancis Andrew' },
  { name: "teamCreateRetry", as: "Nigel Richardson", line: '/team add "Attendance task group" Jancis Andrew', retry: true },
  { name: "personAdd", as: "Nigel Richardson", line: "/curve person add Priya Shah priya.shah@leeds.example.org" },
  { name: "personAddRetry", as: "Nigel Richardson", line: "/curve person add Priya Shah priya.shah@leeds.example.org", retry: true },
  { name: "personAddOrganisation", as: "Nigel Richardson", line: "/curve person add Ola Nwosu ola.nwosu@leeds.example.org Leeds Beckett University" },
  { name: "personAddOrganisationRetry", as: "Nigel Richardson", line: "/curve person add Ola Nwosu ola.nwosu@leeds.example.org Leeds Beckett University", retry: true },
  { name: "roleGive", as: "Mary Brittle", line: "/curve role Priya Shah coordinator" },
  { name: "roleGiveRetry", as: "Mary Brittle", line: "/curve role Priya Shah coordinator", retry: true },
  { name: "roleTake", as: "Mary Brittle", line: "/curve role Priya Shah coordinator off" },
  { name: "partnershipRegion", as: "Nigel Richardson", line: "/curve settings region partnership scotland" },
  { name: "partnershipRegionRetry", as: "Nigel Richardson", line: "/curve settings region partnership scotland", retry: true },
  { name: "curveLink", as: "Nigel Richardson", line: "/curve link <@U0PRIYA> Priya Shah", on: "slack" },
  { name: "curveLinkRetry", as: "Nigel Richardson", line: "/curve link <@U0PRIYA> Priya Shah", on: "slack", retry: true },
];

async function countOn(kind: DatabaseKindUnderTest) {
  const t = await openTestDatabase(kind);
  try {
    const partnershipId = await loadDemo(t.db);
    const driver = commandDriver(t.db, partnershipId);
    const ids: Ids = { pledge: 0, workshop: 0, question: "", held: "" };
    // The demo has no admin: one to give roles (/curve role), set before anything is counted.
    await t.db.kysely.updateTable("person").set({ roles: sql`'{admin}'::person_role[]` }).where("partnership_id", "=", partnershipId).where("name", "=", "Mary Brittle").execute();
    const trips: Record<string, number | string> = {};
    let key = randomUUID();
    for (const step of STEPS) {
      if (!step.retry) key = randomUUID();
      const line = typeof step.line === "function" ? step.line(ids) : step.line;
      // Resolved before counting: the person's id lookup belongs to the driver, not the change.
      await driver.personId(step.as);
      const before = t.db.roundTrips.count;
      const reply = await driver.run(step.as, line, key, { platform: step.on ?? "shell" });
      const counted = t.db.roundTrips.count - before - 1;
      trips[step.name] = reply.tone === "error" ? `refused: ${reply.heading}` : counted;
      if (step.name === "pledgeNew") ids.pledge = (await t.db.kysely.selectFrom("pledge").select("id").where("partnership_id", "=", partnershipId).orderBy("id", "desc").executeTakeFirstOrThrow()).id;
      if (step.name === "pledgeSign") {
        // The 30-day question on the signature, asked as the follow-up job asks it (not counted).
        await enqueueInsightDeliveries(jobStoreOf(t.db), partnershipId, new Date("2011-10-14T10:00:00Z"));
        const signature = await t.db.kysely.selectFrom("pledge_signature").select("id").where("pledge_id", "=", ids.pledge).orderBy("id").executeTakeFirstOrThrow();
        ids.question = `${signature.id}.30`;
      }
      if (step.name === "heldHold") ids.held = reply.blocks.flatMap((b) => (b.type === "buttons" ? b.buttons : [])).find((b) => b.actionId === "privacy.remove")?.value ?? "";
      if (step.name === "obaLog") ids.workshop = (await t.db.kysely.selectFrom("oba_workshop").select("id").orderBy("id", "desc").executeTakeFirstOrThrow()).id;
    }
    return trips;
  } finally {
    await t.close();
  }
}

/**
 * Round trips per change on the Leeds demo (see the file's head), one count per change kind,
 * on PGlite and, when it answers, on PostgreSQL (DATABASE_URL, else 127.0.0.1:5432/test).
 * A change the demo refuses is reported as "refused: <heading>", so a broken line shows.
 */
export async function benchChangeTrips() {
  const pglite = await countOn("pglite");
  const had = process.env.DATABASE_URL;
  process.env.DATABASE_URL = had ?? "postgresql://postgres@127.0.0.1:5432/test";
  let postgresql: Record<string, number | string> | { skipped: string };
  try {
    postgresql = await countOn("postgresql");
  } catch (error) {
    postgresql = { skipped: `PostgreSQL not reachable at ${splitSchema(process.env.DATABASE_URL).url}: ${(error as Error).message}` };
  } finally {
    if (had === undefined) delete process.env.DATABASE_URL;
  }
  return { pglite, postgresql, target: { change: 2, retry: 1 } };
}
