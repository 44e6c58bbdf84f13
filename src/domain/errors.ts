/** Stable codes for failures a user can cause. Adapters map them to replies or HTTP statuses. */
export type CurveErrorCode =
  | "unknown_command"
  | "unknown_subcommand"
  | "usage"
  | "unknown_ref"
  | "ambiguous_ref"
  | "not_permitted"
  | "bad_date"
  | "too_long"
  | "bad_text"
  | "unknown_person"
  | "not_linked"
  | "unknown_partnership"
  | "conflict";

/**
 * An expected failure with a sentence fit for the person who caused it.
 * `hint` is a usage line; `suggestions` are things they may have meant.
 */
export class CurveError extends Error {
  constructor(
    readonly code: CurveErrorCode,
    readonly userMessage: string,
    readonly details: { hint?: string; suggestions?: string[] } = {},
  ) {
    super(`${code}: ${userMessage}`);
    this.name = "CurveError";
  }
}

/**
 * Every code a Reply may carry: the expected failures above, "internal" for anything Curve did
 * not expect (logged under a reference, never shown), "database_unavailable" when the database
 * could not be reached for the request (try again), and "held_personal_data" for a request the
 * personal-data guard holds until its author decides. Stable: adapters, tests and operators match on them.
 */
export type ReplyCode = CurveErrorCode | "internal" | "database_unavailable" | "held_personal_data";

/** The code of the held prompt (commands/privacy.ts): the shell asks its question when it sees it. */
export const HELD_CODE = "held_personal_data" satisfies ReplyCode;

export const isCurveError = (value: unknown): value is CurveError => value instanceof CurveError;
