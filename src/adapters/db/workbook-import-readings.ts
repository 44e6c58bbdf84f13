import type { Prisma } from "../../../generated/prisma/client.ts";
import { PERIODICITIES, type Periodicity } from "../../domain/indicators/types.ts";
import type { ReadingData } from "../../domain/workbook/partnership-data.ts";
import { checkReadings, type CheckedReading } from "../../domain/workbook/readings.ts";
import { dateFromIso } from "./views.ts";
import { lookupName, type Names } from "./workbook-import-people.ts";
import type { ImportLog } from "./workbook-import-log.ts";

type Tx = Prisma.TransactionClient;

const CHUNK = 250;

/**
 * The Readings sheet's rows, written in the import's transaction `tx` after the indicators
 * (so an indicator the same file defines is known, with its unit and periodicity). Each row is
 * checked as chat checks `/indicator record` (checkReadings, `today` an ISO day); every
 * problem goes to `log` with its sheet, row and column, and the import then writes nothing.
 *
 * A reading is keyed by its indicator and its period's label as Curve stores it ("Sep 2011",
 * "Q2 2011/12"), as recordReading keys one typed in chat, and follows the same rules: a
 * period with no reading gets one; one whose value is the same and whose source is the same or
 * not given is left as it is (nothing written, nothing audited); otherwise its value changes,
 * and its source too when the file gives one (a blank source keeps the one recorded). Readings
 * the file does not list are left alone. A written reading is recorded by the person the
 * Recorded by column names (else no one: an import has no actor) at the Recorded moment (else
 * `now`). Each change is logged as a "reading" (`CODE period`), with the file as its origin.
 */
export async function importReadings(tx: Tx, partnershipId: number, rows: readonly ReadingData[], names: Names, log: ImportLog, today: string, now: Date): Promise<void> {
  if (rows.length === 0) return;
  const indicators = await tx.indicator.findMany({ where: { partnershipId }, select: { id: true, code: true, unit: true, periodicity: true }, orderBy: [{ number: "asc" }, { id: "asc" }] });
  const { readings, problems } = checkReadings(
    rows,
    indicators.map((i) => ({ code: i.code, unit: i.unit, periodicity: PERIODICITIES.includes(i.periodicity as Periodicity) ? (i.periodicity as Periodicity) : null })),
    today,
  );
  log.problems.push(...problems);
  if (readings.length === 0) return;
  const idOf = new Map(indicators.map((i) => [i.code, i.id]));
  const existing = await tx.indicatorReading.findMany({
    where: { indicatorId: { in: [...new Set(readings.map((r) => idOf.get(r.code)!))] } },
    select: { id: true, indicatorId: true, period: true, value: true, source: true },
  });
  const stored = new Map(existing.map((r) => [`${r.indicatorId}\u0000${r.period}`, r]));
  const creates: { reading: CheckedReading; row: Prisma.IndicatorReadingCreateManyInput }[] = [];
  for (const reading of readings) {
    const indicatorId = idOf.get(reading.code)!;
    const written = {
      periodEnd: dateFromIso(reading.periodEnd)!,
      value: reading.value,
      recordedById: reading.recordedBy ? (lookupName(names.people, reading.recordedBy)?.id ?? null) : null,
      recordedAt: reading.recordedAt ?? now,
    };
    const found = stored.get(`${indicatorId}\u0000${reading.label}`);
    if (!found) {
      creates.push({ reading, row: { indicatorId, period: reading.label, source: reading.source, ...written } });
      continue;
    }
    if (found.value === reading.value && (reading.source === null || found.source === reading.source)) continue;
    const source = reading.source ?? found.source;
    await tx.indicatorReading.update({ where: { id: found.id }, data: { ...written, source } });
    const changed = [
      found.value !== reading.value ? `value ${shown(found.value)} → ${shown(reading.value)}` : null,
      found.source !== source ? `source ${found.source === null ? "none" : `"${found.source}"`} → "${source}"` : null,
    ].filter(Boolean).join("; ");
    log.change(
      "update",
      { type: "reading", id: found.id, ref: `${reading.code} ${reading.label}` },
      changed,
      { period: found.period, value: found.value, source: found.source },
      { period: reading.label, value: reading.value, source },
    );
  }
  for (let i = 0; i < creates.length; i += CHUNK) {
    const chunk = creates.slice(i, i + CHUNK);
    const rowsWritten = await tx.indicatorReading.createManyAndReturn({ data: chunk.map((c) => c.row), select: { id: true, indicatorId: true, period: true } });
    const newId = new Map(rowsWritten.map((r) => [`${r.indicatorId}\u0000${r.period}`, r.id]));
    for (const { reading, row } of chunk) {
      log.change("create", { type: "reading", id: newId.get(`${row.indicatorId}\u0000${row.period}`)!, ref: `${reading.code} ${reading.label}` }, shown(reading.value), null, {
        period: reading.label,
        value: reading.value,
        source: reading.source,
      });
    }
    await log.flush(tx);
  }
}

const shown = (value: number | null) => (value === null ? "not known" : String(value));
