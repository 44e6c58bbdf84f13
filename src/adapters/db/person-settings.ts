// A person's own settings (/curve settings): read with the person asking, and changed in one
// statement planned from them as read (receipts.ts, `changedOnce`).
import { sql, type RawBuilder, type Updateable } from "kysely";
import type { ChangeOutcome, PersonSettings, SettingsAsRead } from "../../commands/store.ts";
import type { Person } from "../../domain/model.ts";
import { asRegion, DEFAULT_REGION } from "../../domain/schedule/bank-holidays.ts";
import { changeInContext } from "./audit.ts";
import { compileOnly as db, type DB } from "./kysely.ts";
import { NeedsTransaction, OnePlannedChange } from "./change-planner.ts";

type SettingColumns = Pick<Updateable<DB["person"]>, "time_zone" | "quiet_start_minute" | "quiet_end_minute" | "digest_weekday" | "digest_minute" | "region">;

/** The person columns a settings change sets: only the fields it defines, in a typed update. Pure. */
export function settingColumns(settings: PersonSettings): SettingColumns {
  const all = {
    time_zone: settings.timeZone,
    quiet_start_minute: settings.quietStartMinute,
    quiet_end_minute: settings.quietEndMinute,
    digest_weekday: settings.digestWeekday,
    digest_minute: settings.digestMinute,
    region: settings.region,
  } satisfies SettingColumns;
  return Object.fromEntries(Object.entries(all).filter(([, value]) => value !== undefined)) as SettingColumns;
}

/** The columns of `settingsAsReadQuery`'s JSON. */
export type SettingsRow = { time_zone: string; quiet_start_minute: number; quiet_end_minute: number; digest_weekday: number; digest_minute: number; region: string | null; partnership_region: string | null };

/**
 * Person `personId`'s settings with their partnership's calendar, as one JSON value
 * (`SettingsRow`; none when there is no such person): a scalar subquery, for a statement that
 * reads more beside it (invocation-reads.ts, with `personId` the person found there), or alone
 * (`Store.settingsOf`).
 */
export function settingsAsReadQuery(personId: number | RawBuilder<number>) {
  const read = db
    .selectFrom("person as p")
    .innerJoin("partnership as pa", "pa.id", "p.partnership_id")
    .select(["p.time_zone", "p.quiet_start_minute", "p.quiet_end_minute", "p.digest_weekday", "p.digest_minute", "p.region", "pa.region as partnership_region"])
    .where("p.id", "=", personId);
  return db.selectFrom(read.as("s")).select(sql<SettingsRow>`row_to_json(s)`.as("settings"));
}

/** `settingsAsReadQuery`'s JSON as the command layer's `SettingsAsRead`. Pure. */
export const settingsAsReadFrom = (row: SettingsRow): SettingsAsRead => ({
  timeZone: row.time_zone,
  quietStartMinute: row.quiet_start_minute,
  quietEndMinute: row.quiet_end_minute,
  digestWeekday: row.digest_weekday,
  digestMinute: row.digest_minute,
  region: asRegion(row.region),
  partnershipRegion: asRegion(row.partnership_region) ?? DEFAULT_REGION,
});

/** Person `id`'s row, found only while its settings are `columns` (null: IS NULL): the guard of a change decided on them. */
function asReadWhere(id: number, columns: SettingColumns) {
  let query = db.selectFrom("person as p").select("p.id").where("p.id", "=", id);
  for (const [column, value] of Object.entries(columns) as [keyof SettingColumns & string, unknown][]) {
    query = value === null ? query.where(`p.${column}`, "is", null) : query.where(`p.${column}`, "=", value as never);
  }
  return query;
}

/**
 * A settings change planned from the person's settings as the command read them: the update,
 * guarded by every setting as read (the audit's "before" and the reply's other settings), with
 * its audit event ("person.settings", before and after in the columns' own names, as the
 * transaction writes them). Settings already so are answered from the read. Without a read it
 * needs a transaction (`NeedsTransaction`).
 */
export class PlannedSettingsChange extends OnePlannedChange {
  async updateSettings(person: Person, settings: PersonSettings, asRead?: Required<PersonSettings>): Promise<ChangeOutcome<Required<PersonSettings>>> {
    this.once();
    if (!asRead) throw new NeedsTransaction("settings not read with the person");
    const changes = settingColumns(settings);
    const read = settingColumns({ ...asRead, region: asRead.region ?? null });
    const columns = Object.keys(changes) as (keyof SettingColumns)[];
    if (columns.every((column) => read[column] === changes[column])) {
      this.unchangedAsRead = asReadWhere(person.id, read);
      return { applied: false, reason: "unchanged" };
    }
    let changed = db.updateTable("person as p").set(changes).where("p.id", "=", person.id);
    for (const [column, value] of Object.entries(read) as [keyof SettingColumns & string, unknown][]) {
      changed = value === null ? changed.where(`p.${column}`, "is", null) : changed.where(`p.${column}`, "=", value as never);
    }
    const before = Object.fromEntries(columns.map((column) => [column, read[column]]));
    this.planned = {
      changed: changed.returning("p.id"),
      audit: changeInContext(this.ctx, "person.settings", { type: "person", id: person.id, ref: person.name, actionId: null }, before, changes),
    };
    return { applied: true, value: { ...asRead, ...settings } as Required<PersonSettings> };
  }
}
