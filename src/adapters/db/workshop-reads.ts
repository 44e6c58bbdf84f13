import { sql, type Expression, type RawBuilder } from "kysely";
import type { ActionNumbering, WorkshopAsRead, WorkshopsLoggedAsRead } from "../../commands/insight-store.ts";
import { indicatorFromRow, indicatorQuery, type IndicatorRow } from "./indicators.ts";
import { compileOnly as db } from "./kysely.ts";
import { workshopFromRow, workshopQuery } from "./workshops.ts";

// What a workshop's change reads ahead with the person asking (invocation-reads.ts), so that
// it can be planned as one statement (workshop-changes.ts, workshop-log-changes.ts): the
// asker's workshops on an indicator that day, and how a proposed action would be numbered.

/**
 * The workshop `workshopId` of the partnership with its indicator and how an action proposed
 * at it would be numbered (`actionNumberingQuery`), as one JSON value (column `workshop`; none
 * when there is no such workshop), uncompiled: for the statement that reads an invocation's
 * person (invocation-reads.ts). Map it with `workshopAsReadFrom`.
 */
export function workshopAsReadQuery(partnershipId: number, workshopId: number) {
  const read = workshopQuery()
    .select(
      sql<IndicatorRow | null>`(SELECT row_to_json(ind) FROM (${indicatorQuery().where("i.partnership_id", "=", partnershipId).where(sql<boolean>`i.id = w.indicator_id`)}) AS ind)`.as("indicator"),
    )
    .select(sql<ActionNumberingRow | null>`(${actionNumberingQuery(sql.ref<number>("w.indicator_id"))})`.as("numbering"))
    .where("w.partnership_id", "=", partnershipId)
    .where("w.id", "=", workshopId);
  return db.selectFrom(read.as("ws")).select(sql<WorkshopAsReadRow>`row_to_json(ws)`.as("workshop"));
}

/** The JSON `workshopAsReadQuery` gives: a workshop's row with its indicator's (null when it no longer exists) and its numbering. */
export type WorkshopAsReadRow = WorkshopRow & { indicator: IndicatorRow | null; numbering: ActionNumberingRow | null };

/** `workshopAsReadQuery`'s JSON as the command layer's `WorkshopAsRead`. Pure. */
export const workshopAsReadFrom = (row: WorkshopAsReadRow): WorkshopAsRead => ({
  workshop: workshopFromRow(row),
  indicator: row.indicator ? indicatorFromRow(row.indicator) : null,
  numbering: row.numbering ? actionNumberingFrom(row.numbering) : null,
});

/**
 * How an action in the plan of indicator `indicatorId`'s priority would be numbered, as one
 * JSON value (`ActionNumberingRow`; none when the indicator is under no priority), uncompiled,
 * for a scalar subquery: an action id reserved from the table's sequence, and the highest
 * number among the plan's refs with the priority's prefix (default "OBA"), read as
 * workshops.ts's `createAction` reads them.
 */
export function actionNumberingQuery(indicatorId: Expression<number>) {
  const prefix = sql<string>`upper(coalesce(pr.ref_prefix, 'OBA'))`;
  const highest = db
    .selectFrom("action as na")
    .select(sql<number>`coalesce(max(cast(substring(na.ref from '^[A-Za-z0-9]+-([0-9]+)') as numeric)), 0)`.as("highest"))
    .where("na.plan_id", "=", sql.ref<number>("pr.plan_id"))
    .where(sql<boolean>`upper(na.ref) like ${prefix} || '-%'`);
  return db
    .selectFrom("indicator as ni")
    .innerJoin("priority as pr", "pr.id", "ni.priority_id")
    .select(sql<ActionNumberingRow>`json_build_object('reserved_id', nextval(pg_get_serial_sequence('action', 'id')), 'highest', (${highest}))`.as("numbering"))
    .where("ni.id", "=", indicatorId);
}

/** The JSON `actionNumberingQuery` gives. */
export type ActionNumberingRow = { reserved_id: number | string; highest: number | string };

/** `actionNumberingQuery`'s JSON as the command layer's `ActionNumbering`. Pure. */
export const actionNumberingFrom = (row: ActionNumberingRow): ActionNumbering => ({ reservedId: Number(row.reserved_id), highest: Number(row.highest) });

/**
 * The workshops the person `personId` (an expression: the read's `me`) logged on the
 * partnership's indicator with code `code` (any case, as `indicatorByCodeQuery` finds it),
 * held on the latest day they logged one, with a workshop id reserved from the table's
 * sequence, as one JSON value (`WorkshopsLoggedRow`; none when no indicator has the code),
 * uncompiled, for a scalar subquery. Map it with `workshopsLoggedFrom`.
 */
export function workshopsLoggedQuery(partnershipId: number, code: string, personId: RawBuilder<number>) {
  const indicator = db
    .selectFrom("indicator as li")
    .select("li.id")
    .where("li.partnership_id", "=", partnershipId)
    .where((eb) => eb(eb.fn("upper", ["li.code"]), "=", eb.fn("upper", [eb.val(code)])))
    .orderBy("li.number", (ob) => ob.nullsLast())
    .orderBy("li.code")
    .limit(sql.lit(1));
  const latestDay = db
    .selectFrom("oba_workshop as lw")
    .select((eb) => eb.fn.max("lw.held_on").as("held_on"))
    .where("lw.partnership_id", "=", partnershipId)
    .where("lw.indicator_id", "=", sql.ref<number>("li.id"))
    .where("lw.created_by_id", "=", personId);
  const workshops = workshopQuery()
    .select("w.same_day_number")
    .where("w.partnership_id", "=", partnershipId)
    .where("w.indicator_id", "=", sql.ref<number>("li.id"))
    .where("w.created_by_id", "=", personId)
    .where("w.held_on", "=", latestDay);
  return db
    .selectFrom(indicator.as("li"))
    .select(
      sql<WorkshopsLoggedRow>`json_build_object(
        'indicator_id', li.id,
        'held_on', cast((${latestDay}) as text),
        'workshops', coalesce((select json_agg(row_to_json(ws) order by ws.id) from (${workshops}) as ws), '[]'),
        'reserved_id', nextval(pg_get_serial_sequence('oba_workshop', 'id')))`.as("logged"),
    );
}

type WorkshopRow = Parameters<typeof workshopFromRow>[0];

/** The JSON `workshopsLoggedQuery` gives. */
export type WorkshopsLoggedRow = { indicator_id: number; held_on: string | null; workshops: (WorkshopRow & { same_day_number: number | null })[]; reserved_id: number | string };

/** `workshopsLoggedQuery`'s JSON as the command layer's `WorkshopsLoggedAsRead`. Pure. */
export const workshopsLoggedFrom = (row: WorkshopsLoggedRow): WorkshopsLoggedAsRead => ({
  indicatorId: row.indicator_id,
  heldOn: row.held_on === null ? null : row.held_on.slice(0, 10),
  workshops: row.workshops.map(workshopFromRow),
  highestNumber: row.workshops.reduce((highest, w) => Math.max(highest, w.same_day_number ?? 0), 0),
  reservedId: Number(row.reserved_id),
});
