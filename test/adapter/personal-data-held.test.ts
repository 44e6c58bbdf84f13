import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/bot/serve.ts";
import { kindsUnderTest, openTestDatabase, type TestDatabase } from "../support/databases.ts";
import { FakeSlack, commandBody, interactionBody, postToSlackEndpoint } from "../support/fake-slack.ts";
import { curve } from "../support/run-curve.ts";
import { SIGNING_SECRET, eventually, fixture, startSlackServer } from "../support/slack-server.ts";
import { actionsIn, cardText } from "../support/teams-cards.ts";
import { activity, startTeamsServer, type TeamsServer } from "../support/teams-server.ts";

type Json = Record<string, any>;

/** Polls an async probe until it gives a value: waits for the state, not for a message. */
async function until<T>(probe: () => Promise<T | null>, tries = 1500): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const value = await probe();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("the state never arrived");
}

// Valid NHS numbers from the range reserved for testing (modulus 11 check digits 8 and 6).
const NHS = "999 123 4578";
const NHS_RUN_TOGETHER = "9991234586";

describe.each(kindsUnderTest())("evidence with an NHS number is held in every adapter, on %s", (kind) => {
  describe("Slack", () => {
    const fake = new FakeSlack("T1");
    let server: RunningServer;
    let close: () => Promise<void>;
    const post = (body: string) => postToSlackEndpoint(server.url, body, { secret: SIGNING_SECRET });
    const milestone = (ref: string) => server.runtime.db.prisma.milestone.findFirstOrThrow({ where: { ref } });
    const buttons = (blocks: Json[]) => blocks.flatMap((b) => (b.type === "actions" ? b.elements.map((e: Json) => ({ ...e, block_id: b.block_id })) : []));

    beforeAll(async () => {
      await fake.start();
      fake.emails.set("U1", "jancis.andrew@example.org");
      ({ server, close } = await startSlackServer(kind, fake));
    });
    afterAll(async () => {
      await close();
      await fake.close();
    });

    it("answers the slash command with the held prompt, stores nothing, and saves without the number on Remove and save", async () => {
      const command = commandBody({ ...fixture<Record<string, string>>("command.milestone"), text: `done ATT-5.1 referral sent for ${NHS}`, trigger_id: "3001.1.held", response_url: `${fake.url}/response/held` });
      const ack = await post(command);
      expect(ack.status).toBe(200);
      const prompt = ack.json() as Json;
      expect(prompt.response_type).toBe("ephemeral");
      expect(JSON.stringify(prompt.blocks)).toContain("an NHS number (••• ••• ••78)");
      expect(JSON.stringify(prompt.blocks)).not.toContain("123 45");
      expect((await milestone("ATT-5.1")).doneAt).toBeNull();
      expect(await server.runtime.db.prisma.heldText.count()).toBe(1);

      // Slack retries the same request: the same prompt, still nothing stored.
      const retry = await postToSlackEndpoint(server.url, command, { secret: SIGNING_SECRET, retryNum: 1 });
      expect(retry.status).toBe(200);
      expect(await server.runtime.db.prisma.heldText.count()).toBe(1);

      const remove = buttons(prompt.blocks).find((e: Json) => e.action_id === "privacy.remove");
      expect(buttons(prompt.blocks).map((e: Json) => e.action_id)).toEqual(["privacy.remove", "privacy.cancel"]);
      const press = fixture<Json>("block_actions.mark_done");
      const payload = { ...press, trigger_id: "3001.2.remove", response_url: `${fake.url}/response/remove`, actions: [{ ...press.actions[0], action_id: "privacy.remove", value: remove.value, block_id: remove.block_id }] };
      expect((await post(interactionBody(payload))).status).toBe(200);
      const saved = await until(async () => {
        const row = await milestone("ATT-5.1");
        return row.doneAt ? row : null;
      });
      expect(saved.evidence).toBe("referral sent for [removed]");
      await eventually(() => fake.responses.find((r) => r.id === "remove" && JSON.stringify(r.body).includes("ATT-5.1 done")));
      expect(await server.runtime.db.prisma.heldText.count()).toBe(0);
    });
  });

  describe("Teams", () => {
    let t: TeamsServer;
    beforeAll(async () => {
      t = await startTeamsServer(kind);
    });
    afterAll(async () => t?.close());
    const milestone = (ref: string) => t.server.runtime.db.prisma.milestone.findFirstOrThrow({ where: { ref, action: { plan: { partnershipId: t.partnershipId } } } });

    it("replies with the held card, stores nothing, and drops the text on Cancel", async () => {
      const message = activity("message.personal", t.fake, { as: "jancis", text: `milestone done ATT-5.1 referral sent for ${NHS_RUN_TOGETHER}` });
      expect((await t.post(message)).status).toBe(200);
      const reply = await t.fake.next((c) => c.replyToId === message.id && Array.isArray(c.body.attachments));
      const card = (reply.body.attachments as { content: Json }[])[0]!.content;
      expect(cardText(card)).toContain("an NHS number (••••••••86)");
      expect(JSON.stringify(card)).not.toContain("1234586");
      const verbs = actionsIn(card).map((a) => (a.data as { verb?: string }).verb);
      expect(verbs).toEqual(["privacy.remove", "privacy.cancel"]);
      expect((await milestone("ATT-5.1")).doneAt).toBeNull();

      const cancel = actionsIn(card).find((a) => (a.data as { verb?: string }).verb === "privacy.cancel")!;
      const invoke = activity("invoke.adaptiveCard-action", t.fake, { as: "jancis", verb: "privacy.cancel", data: cancel.data as Record<string, unknown> });
      const response = await t.post(invoke);
      expect(response.status).toBe(200);
      expect(cardText((response.body as { value: Json }).value)).toContain("Cancelled");
      expect(await t.server.runtime.db.prisma.heldText.count({ where: { partnershipId: t.partnershipId } })).toBe(0);
      expect((await milestone("ATT-5.1")).doneAt).toBeNull();
      expect((await milestone("ATT-5.1")).evidence).toBeNull();
    });
  });

  describe("the shell", () => {
    let env: Record<string, string | undefined>;
    let db: TestDatabase | undefined;
    beforeAll(async () => {
      if (kind === "pglite") env = { DATA_DIR: mkdtempSync(path.join(tmpdir(), "curve-held-")) };
      else {
        db = await openTestDatabase("postgresql");
        env = { DATABASE_URL: db.url };
      }
    });
    afterAll(async () => db?.close());

    it("asks the question, saves nothing on cancel, and saves without the number on remove", async () => {
      const cancelled = await curve(["start", "--as", "Jancis Andrew"], env, `/milestone done ATT-5.1 referral sent for ${NHS}\nc\n/milestone list action ATT-5\n`);
      expect(cancelled.code).toBe(0);
      expect(cancelled.stdout).toContain("Held: this may be personal data");
      expect(cancelled.stdout).toContain("Remove and save [r], Cancel [c]?");
      expect(cancelled.stdout).toContain("Cancelled");
      expect(cancelled.stdout).not.toContain("ATT-5.1 done");

      const removed = await curve(["shell", "--as", "Jancis Andrew"], env, `/milestone done ATT-5.1 referral sent for ${NHS}\nwhat?\nr\n/action history ATT-5\n`);
      expect(removed.code).toBe(0);
      expect(removed.stdout).toContain("nothing is saved until you choose");
      expect(removed.stdout).toContain("✓ ATT-5.1 done");
      expect(removed.stdout).toContain("referral sent for [removed]");
      expect(removed.stdout).not.toContain("4578");
    }, 300_000);

    it("takes only r, s or c (or the buttons' words) as an answer, and a new command leaves the held message unsaved and runs", async () => {
      const run = await curve(["start", "--as", "Jancis Andrew"], env, "/action note ATT-4 spoke to mum on 07700 900123 about attendance\nstop\nsorry, wrong action\n/action history ATT-4\n");
      expect(run.code).toBe(0);
      expect(run.stdout).toContain("Save anyway [s]");
      expect(run.stdout.match(/nothing is saved until you choose/g)).toHaveLength(2);
      expect(run.stdout).toContain("The held message is not saved.");
      expect(run.stdout).not.toContain("Note added");
      // The command typed instead ran, and the number is nowhere in the action's history.
      expect(run.stdout).toContain("ATT-4");
      expect(run.stdout).not.toContain("900123");
    }, 300_000);
  });
});
