import { randomUUID } from "node:crypto";
import { PrismaStore } from "../../src/adapters/db/prisma-store.ts";
import { SqlInsightStore } from "../../src/adapters/db/insight-store.ts";
import { createReportStore } from "../../src/adapters/db/report-store.ts";
import { createBoardStore } from "../../src/adapters/db/risks.ts";
import { PrismaHeldTextStore } from "../../src/adapters/db/held-texts.ts";
import { DatabaseWebPages } from "../../src/adapters/web/page-links.ts";
import type { Database } from "../../src/adapters/db/open-database.ts";
import type { CommandDeps } from "../../src/commands/context.ts";
import { handleInvocation } from "../../src/commands/dispatch.ts";
import type { Reply } from "../../src/domain/reply.ts";
import { renderText } from "../../src/adapters/shell/render-text.ts";

export interface Recorded {
  errors: Record<string, unknown>[];
}

/** Drives the real command layer against a real database, as the shell adapter does. */
export function commandDriver(db: Database, partnershipId: number, now = () => new Date("2011-09-12T10:00:00Z")) {
  const recorded: Recorded = { errors: [] };
  const deps: CommandDeps = {
    store: new PrismaStore(db),
    insights: { store: new SqlInsightStore(db), links: null },
    reports: { store: createReportStore(db.prisma), board: createBoardStore(db.prisma, db.sql) },
    heldTexts: new PrismaHeldTextStore(db.prisma, db.sql),
    web: new DatabaseWebPages(db, undefined),
    log: { info: () => undefined, error: (_message, fields) => recorded.errors.push(fields ?? {}) },
  };
  async function personId(name: string): Promise<number> {
    const person = await db.prisma.person.findFirstOrThrow({ where: { partnershipId, name } });
    return person.id;
  }
  async function run(
    as: string,
    line: string,
    key: string = randomUUID(),
    on: { platform: "shell" | "slack" | "teams"; forms?: boolean } = { platform: "shell" },
  ): Promise<Reply & { rendered: string }> {
    const [command = "", ...rest] = line.replace(/^\//, "").split(" ");
    const reply = await handleInvocation(deps, {
      partnershipId,
      actor: { personId: await personId(as) },
      place: { platform: on.platform, tenant: "T-TEST", channel: "C-TEST" },
      capabilities: { forms: on.forms ?? false },
      command,
      text: rest.join(" "),
      idempotencyKey: key,
      now: now(),
    });
    return { ...reply, rendered: renderText(reply) };
  }
  /**
   * One whole command sent as person `personId` (by id, as the shell does, so no name lookup is
   * counted) and the round trips it cost at the driver, identify and dedupe included (DESIGN "One
   * round trip per change"); `key` repeated makes a retry; `on` names the platform (the shell's by
   * default; Slack for a change that needs a channel, such as /plan channel, or to post a pledge's card).
   */
  async function counted(
    personId: number,
    line: string,
    key: string = randomUUID(),
    on: { platform: "shell" | "slack" | "teams" } = { platform: "shell" },
  ): Promise<{ trips: number; heading: string | undefined; replayed: boolean }> {
    const { trips, reply } = await countedReply(personId, line, key, on);
    return { trips, heading: reply.heading, replayed: reply.replayed ?? false };
  }
  /** `counted`, with the whole reply (its buttons, its blocks). */
  async function countedReply(
    personId: number,
    line: string,
    key: string = randomUUID(),
    on: { platform: "shell" | "slack" | "teams" } = { platform: "shell" },
  ): Promise<{ trips: number; reply: Reply }> {
    const [command = "", ...rest] = line.replace(/^\//, "").split(" ");
    const before = db.roundTrips.count;
    const reply = await handleInvocation(deps, {
      partnershipId,
      actor: { personId },
      place: { platform: on.platform, tenant: "T-TEST", channel: "C-TEST" },
      command,
      text: rest.join(" "),
      idempotencyKey: key,
      now: now(),
    });
    return { trips: db.roundTrips.count - before, reply };
  }
  return { deps, run, counted, countedReply, personId, recorded };
}
