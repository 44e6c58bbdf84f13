import { jobStoreOf } from "../../src/adapters/db/job-store.ts";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeliveryWorker } from "../../src/bot/delivery-worker.ts";
import { enqueueBoardDeliveries } from "../../src/jobs/board-deliveries.ts";
import type { RunningServer } from "../../src/bot/serve.ts";
import { kindsUnderTest } from "../support/databases.ts";
import { FakeSlack, commandBody, postToSlackEndpoint } from "../support/fake-slack.ts";
import { SIGNING_SECRET, eventually, fixture, startSlackServer } from "../support/slack-server.ts";

describe.each(kindsUnderTest())("reports in Slack on %s", (kind) => {
  const fake = new FakeSlack("T1");
  let server: RunningServer;
  let close: (() => Promise<void>) | undefined;
  const slash = (user: string, textIn: string, trigger: string) =>
    postToSlackEndpoint(
      server.url,
      commandBody({ ...fixture<Record<string, string>>("command.milestone"), user_id: user, command: "/report", text: textIn, channel_id: "C0BOARD", trigger_id: trigger, response_url: `${fake.url}/response/${trigger}` }),
      { secret: SIGNING_SECRET },
    );

  beforeAll(async () => {
    await fake.start();
    for (const [user, email] of [["U-NIGEL", "nigel.richardson@example.org"], ["U2", "sue.may@example.org"]]) fake.emails.set(user!, email!);
    ({ server, close } = await startSlackServer(kind, fake));
  });
  afterAll(async () => {
    await close?.();
    await fake.close();
  });

  it("uploads a coordinator's board pack into their direct messages with getUploadURLExternal then completeUploadExternal, never into the channel", async () => {
    const answer = (await slash("U-NIGEL", "board-pack cypp-2011-15 September 2011", "5001.1.pack")).json() as { response_type?: string; blocks: unknown[] };
    expect(answer.response_type ?? "ephemeral").toBe("ephemeral");
    expect(JSON.stringify(answer.blocks)).toContain("Board pack: Monthly exception report, September 2011");
    const completed = await eventually(() => fake.callsTo("files.completeUploadExternal")[0], 60_000);
    const asked = fake.callsTo("files.getUploadURLExternal");
    expect(asked).toHaveLength(1);
    expect(asked[0]!.body.filename).toBe("board-pack-cypp-2011-15-september-2011.xlsx");
    expect(Number(asked[0]!.body.length)).toBeGreaterThan(1000);
    expect(completed.body.channel_id).toBe("DU-NIGEL");
    const [file] = completed.body.files as { id: string; title: string }[];
    expect(file!.title).toBe("Monthly exception report, September 2011");
    const bytes = await fake.uploadedFile(file!.id);
    expect(bytes.length).toBe(Number(asked[0]!.body.length));
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(bytes as unknown as ExcelJS.Buffer);
    expect(workbook.worksheets.map((s) => s.name)).toEqual(["Cover", "Exceptions", "Indicators", "Actions", "Risks", "Changes"]);
    // Nothing of it was posted into a channel.
    expect(fake.callsTo("chat.postMessage").filter((c) => JSON.stringify(c.body).includes("Board pack"))).toEqual([]);
  });

  it("refuses a board pack to someone who is not a coordinator, admin or board member, uploading nothing", async () => {
    const before = fake.callsTo("files.getUploadURLExternal").length;
    const answer = (await slash("U2", "board-pack", "5002.1.pack")).json() as { blocks: unknown[] };
    expect(JSON.stringify(answer.blocks)).toContain("You can't take the board pack. It goes to a coordinator, an admin or a board member.");
    expect(fake.callsTo("files.getUploadURLExternal")).toHaveLength(before);
  });

  it("sends a scheduled report due on a bank holiday on the next working day, once, into its channel; an empty one is recorded, not sent", async () => {
    const set = (await slash("U-NIGEL", "schedule monthly cypp-2011-15 2nd 09:00 to #ctb-board", "5003.1.schedule")).json() as { blocks: unknown[] };
    expect(JSON.stringify(set.blocks)).toContain("Scheduled: the monthly report on cypp-2011-15, 2nd at 09:00, to #ctb-board");
    const refused = (await slash("U2", "schedule monthly 2nd 09:00 to #ctb-board", "5003.2.schedule")).json() as { blocks: unknown[] };
    expect(JSON.stringify(refused.blocks)).toContain("You can't change the reporting calendar. It can be changed by a coordinator or an admin.");
    const { runtime, adapters } = server;
    const partnershipId = (await runtime.deps.store.partnerships())[0]!.id;
    // The calendar was set at the start of 2011.
    await runtime.db.prisma.reportSchedule.updateMany({ where: { partnershipId }, data: { createdAt: new Date("2011-01-04T12:00:00Z") } });
    let now = new Date("2011-05-02T10:00:00+01:00");
    const worker = new DeliveryWorker({ sql: runtime.db.sql, deps: runtime.deps, adapters, clock: () => now });
    const posts = () => fake.callsTo("chat.postMessage").filter((c) => c.body.channel === "#ctb-board");

    // Monday 2 May 2011 was the early May bank holiday.
    expect((await enqueueBoardDeliveries(jobStoreOf(runtime.db), runtime.deps.reports?.store, partnershipId, now)).reports).toEqual([]);
    now = new Date("2011-05-03T08:59:00+01:00");
    expect((await enqueueBoardDeliveries(jobStoreOf(runtime.db), runtime.deps.reports?.store, partnershipId, now)).reports).toEqual([]);
    now = new Date("2011-05-03T09:00:00+01:00");
    expect((await enqueueBoardDeliveries(jobStoreOf(runtime.db), runtime.deps.reports?.store, partnershipId, now)).reports).toEqual(["monthly:2011-05:sent"]);
    now = new Date("2011-05-03T09:15:00+01:00");
    expect((await enqueueBoardDeliveries(jobStoreOf(runtime.db), runtime.deps.reports?.store, partnershipId, now)).reports).toEqual([]);
    await worker.drain();
    await worker.drain();
    expect(posts()).toHaveLength(1);
    expect(JSON.stringify(posts()[0]!.body.blocks)).toContain("Monthly exception report, April 2011");
    expect(JSON.stringify(posts()[0]!.body.blocks)).toContain("ATT-1.1");
    const runs = await runtime.db.prisma.reportRun.findMany({ where: { schedule: { partnershipId } } });
    expect(runs.map((r) => [r.periodKey, r.sentOn.toISOString().slice(0, 10), r.status])).toEqual([["2011-05", "2011-05-03", "sent"]]);

    // The Obsession Tracker for a quiet week has nothing to say: recorded, not sent.
    await slash("U-NIGEL", "schedule obsessions monday 09:00 to #ctb-board", "5003.3.schedule");
    await runtime.db.prisma.reportSchedule.updateMany({ where: { partnershipId }, data: { createdAt: new Date("2011-01-04T12:00:00Z") } });
    now = new Date("2011-05-16T09:30:00+01:00");
    const quiet = (await enqueueBoardDeliveries(jobStoreOf(runtime.db), runtime.deps.reports?.store, partnershipId, now)).reports;
    expect(quiet).toEqual(["obsessions:2011-05-16:empty"]);
    await worker.drain();
    expect(posts()).toHaveLength(1);
    expect(await runtime.db.prisma.reportRun.count({ where: { schedule: { partnershipId }, status: "empty" } })).toBe(1);
  });
});
