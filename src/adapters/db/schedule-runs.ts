import type { PrismaClient } from "../../../generated/prisma/client.ts";

/** How long a schedule's record of its ticks is kept. */
const KEEP_DAYS = 30;

/**
 * Claims one tick of a schedule (e.g. job "sweep", tick 2026-11-30T09:15:00Z) for this instance.
 * True for the one instance whose row went in first, false for every other: with several
 * instances on one database, each tick runs once. Ticks older than 30 days are forgotten.
 */
export async function claimScheduleTick(prisma: PrismaClient, job: string, tick: Date, instance: string): Promise<boolean> {
  const { count } = await prisma.scheduleRun.createMany({ data: [{ job, tick, instance }], skipDuplicates: true });
  if (count === 1) await prisma.scheduleRun.deleteMany({ where: { job, tick: { lt: new Date(tick.getTime() - KEEP_DAYS * 86_400_000) } } });
  return count === 1;
}

/** Records that this instance finished the tick it claimed. */
export async function finishScheduleTick(prisma: PrismaClient, job: string, tick: Date): Promise<void> {
  await prisma.scheduleRun.update({ where: { job_tick: { job, tick } }, data: { finishedAt: new Date() } });
}
