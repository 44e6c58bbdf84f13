import { readFileSync, statSync } from "node:fs";
import { z } from "zod/v4";
import { BUILT_IN_CHANGES, REGIONS, useOneOffChanges, type OneOffChange } from "../domain/schedule/bank-holidays.ts";
import type { Logger } from "../commands/context.ts";

const ChangeFile = z.object({
  changes: z.array(
    z.object({
      region: z.enum(REGIONS),
      date: z.iso.date(),
      change: z.enum(["added", "removed"]),
      title: z.string().min(1).max(200),
    }),
  ),
});

let loaded: { file: string; mtimeMs: number } | null = null;

/**
 * Reads the operator's file of one-off bank holiday changes (CURVE_BANK_HOLIDAYS_FILE, JSON:
 * `{ "changes": [{ "region": "england-and-wales", "date": "2032-06-07", "change": "added",
 * "title": "…" }] }`) and installs it beside the built-in ones. Read again whenever the file
 * changes, so a newly proclaimed holiday needs no release and no restart. A file that
 * cannot be read or is malformed is logged, and the calendar already in use is kept.
 * Returns how many changes from the file are in use, or null when there is no file.
 */
export function refreshBankHolidays(file: string | undefined, log: Logger): number | null {
  if (!file) return null;
  try {
    const mtimeMs = statSync(file).mtimeMs;
    if (loaded?.file === file && loaded.mtimeMs === mtimeMs) return null;
    const parsed = ChangeFile.safeParse(JSON.parse(readFileSync(file, "utf8")));
    if (!parsed.success) {
      log.error("bank holiday changes file is not valid; keeping the calendar in use", { file, problems: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).slice(0, 5) });
      return null;
    }
    const changes: OneOffChange[] = parsed.data.changes;
    useOneOffChanges([...BUILT_IN_CHANGES, ...changes]);
    loaded = { file, mtimeMs };
    log.info("bank holiday changes loaded", { file, changes: changes.length });
    return changes.length;
  } catch (error) {
    log.error("bank holiday changes file could not be read; keeping the calendar in use", { file, error });
    return null;
  }
}
