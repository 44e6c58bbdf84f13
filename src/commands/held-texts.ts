import type { Origin, Person } from "../domain/model.ts";
import type { Reply } from "../domain/reply.ts";
import type { Finding, DetectorKind } from "../domain/privacy/guard.ts";
import type { ActionRead, GuardContext } from "./store.ts";

/** A request the personal-data guard held: what was typed, where the finds are, and until when. */
export interface HeldTextRecord {
  id: number;
  token: string;
  personId: number;
  command: string;
  text: string;
  /** Offsets are into `text`, the whole command line held. */
  findings: Finding[];
  outcome: "ask" | "block";
  origin: Origin;
  createdAt: Date;
  expiresAt: Date;
}

export type HeldDecision = "removed" | "kept" | "cancelled" | "expired";

/**
 * The personal-data guard's storage: its per-partnership policy, the requests it holds and the
 * decisions on them. Every hold and decision is audited with the kinds found, never the values.
 */
export interface HeldTextStore {
  /** The partnership's policy and its own people's names and emails (exempt from the guard). One statement. */
  guardContext(partnershipId: number): Promise<GuardContext>;
  /**
   * Holds a request and answers it with `prompt` (built from the hold as it will be kept): the
   * hold, its "privacy.held" audit event and the prompt stored as the reply to `requestKey`
   * (with `request`, who asked what) are ONE statement, which purges the partnership's expired
   * holds on the way. A retry with the same request key gets the reply already stored, or the
   * prompt of the row already held (same token). `lineRead` is what the held line reads by
   * name when it names an action, kept so a decision on it reads that with the hold.
   */
  hold(
    input: {
      partnershipId: number;
      actor: Person;
      requestKey: string;
      request?: string;
      token: string;
      command: string;
      text: string;
      findings: Finding[];
      outcome: "ask" | "block";
      origin: Origin;
      lineRead: ActionRead | null;
      at: Date;
      expiresAt: Date;
    },
    prompt: (record: HeldTextRecord) => Reply,
  ): Promise<Reply>;
  /** A live hold by its token, or null when there is none (decided, expired or never made). */
  findHeld(partnershipId: number, token: string, now: Date): Promise<HeldTextRecord | null>;
  /**
   * Purges a hold and audits the decision, in ONE statement; false when it was already gone (a
   * second click). With `answer`, the decision's reply is stored under its key in the same
   * statement, so a retry of the decision gets it back.
   */
  settle(
    held: HeldTextRecord,
    decision: HeldDecision,
    ctx: { partnershipId: number; actor: Person; origin: Origin; at: Date },
    answer?: { key: string; request?: string; reply: Reply },
  ): Promise<boolean>;
  /** How many requests were held since the date, by kind found (from the audit trail), as `Store.privacyOf` counts them. (The policy is changed through the ChangeStore: `setPrivacyPolicy`.) */
  heldCounts(partnershipId: number, since: Date): Promise<{ kind: DetectorKind; count: number }[]>;
}
