// The personal-data guard's cost: the detectors on 3,000-character texts, and what the guard adds
// to `/milestone done` with evidence, measured against the same command with the guard switched off
// (no guard store), alternating in one run.
import { randomUUID } from "node:crypto";
import { handleInvocation } from "../src/commands/dispatch.ts";
import { readConfig } from "../src/bot/config.ts";
import { openRuntime } from "../src/bot/runtime.ts";
import { checkPersonalData } from "../src/domain/privacy/guard.ts";
import { generatePartnership } from "./generate.ts";
import { percentiles } from "./percentiles.ts";

const SAMPLE_TEXT =
  "Cluster chairs agreed the attendance model at the September meeting (see minutes, item 4). The LAC " +
  "review panel met on 3 October 2011; NI 59 figures for Q2 2011/12 were 78.4%, up from 72% by March 2010. " +
  "Year 6 pupils in KS2 moved to the new timetable from w/c 26 September. ";

/** A 3,000-character text in the plans' own style, with no identifiers in it. */
const longText = (n: number): string => (SAMPLE_TEXT.repeat(20) + ` run ${n}`).slice(0, 3000);

export async function benchGuard(samples = 2000) {
  const texts = Array.from({ length: 50 }, (_, i) => longText(i));
  const known = { emails: new Set<string>(), names: [] as string[] };
  const timings: number[] = [];
  for (let i = 0; i < samples + 100; i++) {
    const started = performance.now();
    checkPersonalData(texts[i % texts.length]!, known);
    if (i >= 100) timings.push(performance.now() - started);
  }

  const rt = await openRuntime(readConfig({ DATA_DIR: "memory://", LOG_LEVEL: "error" }));
  try {
    const generated = await generatePartnership(rt.db.sql, `bench-guard-${Date.now().toString(36)}`, { people: 200, actions: 2000, perAction: 4 });
    const people = await rt.db.prisma.person.findMany({ where: { partnershipId: generated.partnershipId }, select: { id: true, name: true } });
    const idByName = new Map(people.map((p) => [p.name, p.id]));
    const owner = (k: number) => idByName.get(`Person ${((k - 1) % generated.people) + 1}`)!;
    const { heldTexts: _off, ...unguarded } = rt.deps;
    const guarded = { ...rt.deps };
    const withGuard: number[] = [];
    const without: number[] = [];
    // Alternate, so both see the same machine; each marks a different milestone done with evidence.
    for (let i = 0; i < 1000; i++) {
      const deps = i % 2 === 0 ? guarded : unguarded;
      const action = i + 1;
      const started = performance.now();
      const reply = await handleInvocation(deps, {
        partnershipId: generated.partnershipId,
        actor: { personId: owner(action) },
        place: { platform: "shell", tenant: generated.slug, channel: "bench" },
        command: "milestone",
        text: `done GEN-${action}.1 ${longText(i).slice(0, 600)}`,
        idempotencyKey: randomUUID(),
        now: new Date("2026-11-23T10:00:00Z"),
      });
      const elapsed = performance.now() - started;
      if (reply.tone === "error" || reply.code) throw new Error(`bench command failed: ${JSON.stringify(reply).slice(0, 300)}`);
      if (i >= 100) (deps === guarded ? withGuard : without).push(elapsed);
    }
    const guardedP = percentiles(withGuard);
    const unguardedP = percentiles(without);
    return {
      detectorsOn3000Chars: { ...percentiles(timings), targetP99Ms: 1 },
      milestoneDoneWithEvidence: {
        withGuard: guardedP,
        withoutGuard: unguardedP,
        addedP99: Math.round((guardedP.p99Ms / unguardedP.p99Ms - 1) * 1000) / 10 + "%",
        targetAddedP99: "10%",
      },
    };
  } finally {
    await rt.close();
  }
}
