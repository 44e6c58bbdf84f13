import type { Origin, Person } from "../domain/model.ts";
import type { Finding, GuardPolicy, DetectorKind, KnownToPartnership } from "../domain/privacy/guard.ts";

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
  /** The partnership's policy and its own people's names and emails (exempt from the guard). */
  guardContext(partnershipId: number): Promise<{ policy: GuardPolicy; known: KnownToPartnership }>;
  /**
   * Holds a request; a retry with the same request key gets the row already held (same token).
   * Purges the partnership's expired holds on the way.
   */
  hold(input: {
    partnershipId: number;
    actor: Person;
    requestKey: string;
    token: string;
    command: string;
    text: string;
    findings: Finding[];
    outcome: "ask" | "block";
    origin: Origin;
    at: Date;
    expiresAt: Date;
  }): Promise<HeldTextRecord>;
  /** A live hold by its token, or null when there is none (decided, expired or never made). */
  findHeld(partnershipId: number, token: string, now: Date): Promise<HeldTextRecord | null>;
  /** Purges a hold and audits the decision; false when it was already gone (a second click). */
  settle(held: HeldTextRecord, decision: HeldDecision, ctx: { partnershipId: number; actor: Person; origin: Origin; at: Date }): Promise<boolean>;
  /** How many requests were held since the date, by kind found (from the audit trail), as `Store.privacyOf` counts them. (The policy is changed through the ChangeStore: `setPrivacyPolicy`.) */
  heldCounts(partnershipId: number, since: Date): Promise<{ kind: DetectorKind; count: number }[]>;
}
