// Round trips to the database for every kind of change a person makes in chat, counted at the
// driver on the Leeds demo, on PGlite and on PostgreSQL: what each change costs end to end,
// identifying the sender and the dedupe read included (the target is 2; a retry with the same
// key, 1). The milestone and action changes are also counted at 10,000 actions (run.ts).
import { randomUUID } from "node:crypto";
import { splitSchema } from "../src/adapters/db/open-database.ts";
import { loadDemo, openTestDatabase, type DatabaseKindUnderTest } from "../test/support/databases.ts";
import { commandDriver } from "../test/support/invoke.ts";

/** One step: who runs which line, where (the shell unless `on` says; /plan channel needs a channel); `retry` reuses the previous step's idempotency key. */
type Step = { name: string; as: string; line: string | ((ids: Ids) => string); retry?: true; on?: "slack" };
type Ids = { pledge: number; workshop: number; question: string };

const STEPS: Step[] = [
  { name: "milestoneDone", as: "Jancis Andrew", line: "/milestone done ATT-5.1 script agreed" },
  { name: "retrySameKey", as: "Jancis Andrew", line: "/milestone done ATT-5.1 script agreed", retry: true },
  { name: "actionStatus", as: "Jancis Andrew", line: "/action status ATT-5 at-risk waiting for the data" },
  { name: "indicatorRecord", as: "Nigel Richardson", line: "/indicator record NEET 7.8 2011-06" },
  { name: "indicatorRecordRetry", as: "Nigel Richardson", line: "/indicator record NEET 7.8 2011-06", retry: true },
  { name: "indicatorTolerance", as: "Nigel Richardson", line: "/indicator tolerance NEET 0.2" },
  { name: "indicatorTarget", as: "Nigel Richardson", line: "/indicator target NEET 6.5 by March 2013" },
  { name: "pledgeNew", as: "Nigel Richardson", line: "/pledge new attendance Every day counts | We will help every child attend school every day" },
  { name: "pledgeSign", as: "Jancis Andrew", line: (ids) => `/pledge sign P${ids.pledge} I will ring home` },
  { name: "pledgeSignRetry", as: "Jancis Andrew", line: (ids) => `/pledge sign P${ids.pledge} I will ring home`, retry: true },
  { name: "pledgeWithdraw", as: "Jancis Andrew", line: (ids) => `/pledge withdraw P${ids.pledge}` },
  { name: "obaLog", as: "Nigel Richardson", line: "/oba log LAC story: admissions rose as court delays lengthened" },
  { name: "obaAdd", as: "Nigel Richardson", line: (ids) => `/oba add W${ids.workshop} gaps: no data on short-term admissions` },
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
];

async function countOn(kind: DatabaseKindUnderTest) {
  const t = await openTestDatabase(kind);
  try {
    const partnershipId = await loadDemo(t.db);
    const driver = commandDriver(t.db, partnershipId);
    const ids: Ids = { pledge: 0, workshop: 0, question: "" };
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
