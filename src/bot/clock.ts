import { readFileSync } from "node:fs";
import { projectPath } from "../adapters/project-files.ts";

/** What time Curve thinks it is, and why: shown on the first screen when it is not the real time. */
export interface Clock {
  now: () => Date;
  /** "demo" ticks from the demo's own start; "set" ticks from a time given with --now. */
  kind: "real" | "demo" | "set";
  /** The instant it started from, for the first screen. */
  startedAt: Date;
}

/** A clock that starts at `start` and then runs at the speed of real time. */
export function tickingFrom(start: Date, kind: Clock["kind"], realNow: () => number = () => Date.now()): Clock {
  const offset = start.getTime() - realNow();
  return { now: () => new Date(realNow() + offset), kind, startedAt: start };
}

export const realClock = (): Clock => ({ now: () => new Date(), kind: "real", startedAt: new Date() });

/** The demo's start (demo/leeds/partnership.json "clock"): a Monday inside the CYPP 2011-15's period. */
export function demoStart(): { slug: string; start: Date } | null {
  const doc = JSON.parse(readFileSync(projectPath("demo", "leeds", "partnership.json"), "utf8")) as { slug?: string; clock?: string };
  return doc.slug && doc.clock ? { slug: doc.slug, start: new Date(doc.clock) } : null;
}

/**
 * The clock for a process: a time given with --now, ticking from it; else the demo clock when
 * every partnership in the database is the demo's (Leeds in 2011 is more use than 15 years
 * of overdue milestones); else the real clock.
 */
export function chooseClock(partnershipSlugs: readonly string[], setTo: Date | null): Clock {
  if (setTo) return tickingFrom(setTo, "set");
  const demo = demoStart();
  if (demo && partnershipSlugs.length > 0 && partnershipSlugs.every((s) => s === demo.slug)) return tickingFrom(demo.start, "demo");
  return realClock();
}

/** "Monday 26 September 2011, 09:00 (demo clock)" in the given zone, for the first screen. */
export function describeClock(clock: Clock, timeZone: string): string | null {
  if (clock.kind === "real") return null;
  const at = clock.now();
  const day = new Intl.DateTimeFormat("en-GB", { timeZone, weekday: "long", day: "numeric", month: "long", year: "numeric" }).format(at).replace(",", "");
  const time = new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(at);
  const when = `${day}, ${time}`;
  return clock.kind === "demo"
    ? `It is ${when} on the demo clock, inside the plan's period; it ticks on from there. (Curve uses the real clock for your own partnership.)`
    : `It is ${when} (set with --now); the clock ticks on from there.`;
}
