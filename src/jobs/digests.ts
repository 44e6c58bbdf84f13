import { may } from "../domain/access.ts";
import { addDays, localDate } from "../domain/dates/calendar.ts";
import { describeAuditEvent } from "../domain/audit-sentence.ts";
import { composeDigest, type DigestPriority } from "../domain/digest.ts";
import { DUE_SOON_DAYS } from "../domain/milestone-status.ts";
import type { Reply } from "../domain/reply.ts";
import { workingDayOnOrAfter, type Region } from "../domain/schedule/bank-holidays.ts";
import { digestDay } from "../domain/schedule/digest-day.ts";
import { localMoment, weekStart } from "../domain/schedule/zoned-time.ts";
import type { DigestRecipient, DigestStore, OutboxRow } from "./ports.ts";
import { inTimedSlices, nextTurn } from "./turns.ts";

interface DigestData {
  undelivered: { person: string; kind: string; reason: string; at: Date }[];
  priorities: Map<number, DigestPriority>;
  oversees: Map<number, number[]>;
  people: Map<number, DigestRecipient>;
}

const DAY = 86_400_000;
// The monthly report looks back a month; weekly digests filter this down per person.
const LOOKBACK_DAYS = 35;

/** Everything every digest of a partnership needs, read once however many people there are. */
async function loadDigestData(store: DigestStore, partnershipId: number, now: Date, people: readonly DigestRecipient[]): Promise<DigestData> {
  const today = now.toISOString().slice(0, 10);
  const { priorities, roles, milestones, atRisk, changes, readings, undelivered } = await store.digestRows(partnershipId, today, new Date(now.getTime() - LOOKBACK_DAYS * DAY));
  const data: DigestData = {
    undelivered,
    priorities: new Map(),
    oversees: new Map(),
    people: new Map(),
  };
  for (const p of priorities) {
    const label = `${p.number ? `${p.number}. ` : ""}${p.title}${p.obsession ? ` (obsession: ${p.obsession})` : ""}`;
    data.priorities.set(p.id, { id: p.id, label, overdue: [], atRisk: [], dueSoon: [], done: [], changes: [], indicators: [] });
  }
  for (const r of roles) data.oversees.set(r.personId, [...(data.oversees.get(r.personId) ?? []), r.priorityId]);
  await nextTurn();
  // Sorted into their priorities a slice at a time, paced by time as the sweeps are (turns.ts).
  await inTimedSlices(
    milestones,
    (slice) => {
      for (const m of slice) {
        const p = data.priorities.get(m.priorityId);
        if (!p) continue;
        if (m.doneAt) p.done.push({ ref: m.ref, text: m.text, doneAt: m.doneAt, doneBy: m.doneBy, evidence: m.evidence });
        else if (m.dueDate && m.dueDate < today) p.overdue.push({ ref: m.ref, text: m.text, dueDate: m.dueDate });
        else if (m.dueDate) p.dueSoon.push({ ref: m.ref, text: m.text, dueDate: m.dueDate });
      }
    },
    500,
  );
  await nextTurn();
  for (const a of atRisk) data.priorities.get(a.priorityId)?.atRisk.push({ ref: a.ref, title: a.title, state: a.state });
  for (const c of changes) {
    // The same sentence as /action history: the dates understood, never the phrase typed.
    const what = describeAuditEvent({ event: c.event, subjectRef: c.subjectRef, before: c.before, after: c.after, at: c.at }, "Europe/London");
    data.priorities.get(c.priorityId)?.changes.push({ ref: c.subjectRef, what, at: c.at });
  }
  await nextTurn();
  const byIndicator = new Map<string, typeof readings>();
  for (const r of readings) byIndicator.set(r.code, [...(byIndicator.get(r.code) ?? []), r]);
  for (const rows of byIndicator.values()) {
    const [latest, previous] = [...rows].sort((a, b) => a.rank - b.rank);
    data.priorities.get(latest!.priorityId)?.indicators.push({ code: latest!.code, name: latest!.name, polarity: latest!.polarity, latest: latest!.value, previous: previous?.value ?? null, period: latest!.period, recordedAt: latest!.recordedAt });
  }
  for (const p of people) data.people.set(p.id, p);
  return data;
}

/** One person's digest from loaded data: their priorities (or, for the monthly report, all). */
function digestOf(data: DigestData, personId: number, now: Date, kind: "digest" | "report", scorecardUrl: string | null = null): Reply | null {
  const person = data.people.get(personId);
  if (!person) return null;
  const since = kind === "report" ? new Date(now.getTime() - 31 * DAY) : (person.lastDigest ?? new Date(now.getTime() - 7 * DAY));
  const ids = kind === "report" ? [...data.priorities.keys()] : (data.oversees.get(personId) ?? []);
  const today = localDate(now, person.timeZone);
  const priorities = ids
    .map((id) => data.priorities.get(id)!)
    .filter(Boolean)
    .map((p) => ({
      ...p,
      done: p.done.filter((m) => m.doneAt >= since),
      changes: p.changes.filter((c) => c.at >= since),
      // A weekly digest tells of movement: a reading recorded since the last one. Repeating the
      // same figure every week made a digest of nothing new, which is never sent. The monthly
      // report shows where every indicator stands.
      indicators: kind === "report" ? p.indicators : p.indicators.filter((i) => i.recordedAt >= since),
      // Split by the person's own local date, not the UTC date the data was loaded on.
      overdue: [...p.overdue, ...p.dueSoon].filter((m) => m.dueDate < today),
      dueSoon: [...p.overdue, ...p.dueSoon].filter((m) => m.dueDate >= today && m.dueDate <= addDays(today, DUE_SOON_DAYS)),
    }));
  const title = kind === "report" ? `Monthly monitoring report, ${today.slice(0, 7)}` : `Your weekly digest, ${person.name}`;
  const undelivered = may(person, "digest.undelivered").allowed ? data.undelivered.filter((u) => u.at >= since) : [];
  return composeDigest(priorities, { today, timeZone: person.timeZone, since, title, undelivered, scorecardUrl });
}

/** `curve digest --dry-run`: one person's digest as it would be sent at `now`. */
export async function previewDigest(store: DigestStore, partnershipId: number, personId: number, now: Date, scorecardUrl: string | null = null): Promise<Reply | null> {
  return digestOf(await loadDigestData(store, partnershipId, now, await store.digestRecipients(partnershipId)), personId, now, "digest", scorecardUrl);
}

/** A digest or monthly report that is due for someone now, by its outbox key. */
interface DueDigest {
  personId: number;
  key: string;
  kind: "digest" | "report";
}

/**
 * Who is due a weekly digest (their day, or the next working day of that week when it is a
 * bank holiday where they are, from their minute, in their time zone; only those who lead or
 * sponsor a priority) or the monthly report (its first working day where they are, from 09:00
 * local; whoever may read it), decided from the recipients alone.
 */
function dueDigests(recipients: readonly DigestRecipient[], now: Date): DueDigest[] {
  const due: DueDigest[] = [];
  // Recipients share a few time zones: each zone's local time and month are worked out once.
  const zones = new Map<string, { local: ReturnType<typeof localMoment>; week: string }>();
  const zoneOf = (timeZone: string) => {
    let zone = zones.get(timeZone);
    if (!zone) {
      const local = localMoment(now, timeZone);
      zones.set(timeZone, (zone = { local, week: weekStart(local.date) }));
    }
    return zone;
  };
  // The month's first working day where the person is: 2 January is a bank holiday in Scotland.
  const firstDays = new Map<string, string>();
  const firstWorkingDayOf = (month: string, region?: Region) => {
    const key = `${month}|${region ?? ""}`;
    let day = firstDays.get(key);
    if (day === undefined) firstDays.set(key, (day = workingDayOnOrAfter(`${month}-01`, region)));
    return day;
  };
  // Written on a working day, so that it is read the day its data was: one written on a bank
  // holiday waited in the outbox for the next morning, telling of work done meanwhile as still due.
  const days = new Map<string, string | null>();
  const dayOf = (week: string, weekday: number, region?: Region) => {
    const key = `${week}|${weekday}|${region ?? ""}`;
    let day = days.get(key);
    if (day === undefined) days.set(key, (day = digestDay(week, weekday, region)));
    return day;
  };
  for (const person of recipients) {
    const { local, week } = zoneOf(person.timeZone);
    if (person.oversees && local.date === dayOf(week, person.digestWeekday, person.region) && local.minute >= person.digestMinute) {
      due.push({ personId: person.id, key: `digest:person:${person.id}:${week}`, kind: "digest" });
    }
    if (may(person, "digest.monthly").allowed && local.date === firstWorkingDayOf(local.date.slice(0, 7), person.region) && local.minute >= 9 * 60) {
      due.push({ personId: person.id, key: `report:person:${person.id}:${local.date.slice(0, 7)}`, kind: "report" });
    }
  }
  return due;
}

/**
 * Enqueues each weekly digest whose local time has come this week, and the monthly report
 * on the first working day of the month; an empty one is recorded as not sent, so it is
 * decided once. Keys make a second run, or another instance, add nothing.
 *
 * Who is due is decided first, from the recipients and the outbox's keys (two queries); the
 * plans are read only when someone is, and only their digests are composed.
 */
export async function runDigestSweep(store: DigestStore, partnershipId: number, now: Date, scorecardUrl: string | null = null): Promise<{ enqueued: number; empty: number }> {
  const recipients = await store.digestRecipients(partnershipId);
  const due = dueDigests(recipients, now);
  if (due.length === 0) return { enqueued: 0, empty: 0 };
  const existing = await store.existingKeys(due.map((d) => d.key));
  const fresh = due.filter((d) => !existing.has(d.key));
  if (fresh.length === 0) return { enqueued: 0, empty: 0 };
  const data = await loadDigestData(store, partnershipId, now, recipients);
  const rows: OutboxRow[] = [];
  // One digest at a time, with a turn of the event loop every few milliseconds: a sponsor of
  // a slipping priority's digest takes a millisecond or more, and 25 in one go held the thread for 30 ms.
  await inTimedSlices(
    fresh,
    ([d]) => {
      const reply = digestOf(data, d!.personId, now, d!.kind, scorecardUrl);
      rows.push({
        partnershipId,
        personId: d!.personId,
        key: d!.key,
        kind: d!.kind,
        payload: reply ?? {},
        status: reply ? "pending" : "cancelled",
        dueAt: now,
        lastError: reply ? null : "nothing to report: not sent",
      });
    },
    1,
  );
  await nextTurn();
  const inserted = await store.enqueue(rows);
  return { enqueued: inserted.filter((r) => r.status === "pending").length, empty: inserted.filter((r) => r.status === "cancelled").length };
}
