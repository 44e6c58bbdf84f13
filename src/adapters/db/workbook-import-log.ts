import type { HeldCell } from "../../domain/workbook/held-cells.ts";
import type { ImportProblem } from "../../domain/workbook/sheet.ts";
import { writeAudit, type AuditChange, type AuditTarget } from "./audit.ts";

export type ChangeKind = "create" | "update" | "remove" | "keep";

/** One line of what an import did (or, in a dry run, would do). */
export interface ImportChange {
  kind: ChangeKind;
  /** plan, outcome, priority, person, team, indicator, action, milestone */
  subject: string;
  ref: string;
  detail: string;
}

/**
 * Collects an import's changes and their audit events, written in the same transaction as
 * the rows. Every event's origin is the import and the file's name, so /action history says
 * where a change came from.
 */
export class ImportLog {
  readonly changes: ImportChange[] = [];
  readonly problems: ImportProblem[] = [];
  private readonly audits: AuditChange[] = [];

  constructor(
    private readonly partnershipId: number,
    private readonly fileName: string,
    private readonly at: Date,
    private readonly actorId: number | null,
  ) {}

  change(
    kind: ChangeKind,
    subject: { type: string; id: number; ref: string; actionId?: number | null },
    detail: string,
    before: unknown,
    after: unknown,
  ): void {
    this.changes.push({ kind, subject: subject.type, ref: subject.ref, detail });
    if (kind === "keep") return;
    this.audits.push({
      partnershipId: this.partnershipId,
      actorId: this.actorId,
      event: `${subject.type}.${kind === "create" ? "imported" : kind === "update" ? "import_updated" : "import_removed"}`,
      subject,
      // An import records "nothing before" (a creation) as no value, not as JSON null.
      before: before === null ? undefined : before,
      after: after === null ? undefined : after,
      origin: { platform: "import", file: this.fileName },
      at: this.at,
    });
  }

  /**
   * Records that the person confirmed held free-text cells, as the guard records a hold and a
   * "save anyway" decision in the conversation: the kinds found and the cells' addresses, never
   * the values. Coordinators' held counts (/curve privacy) include these.
   */
  personalDataConfirmed(cells: readonly HeldCell[]): void {
    const kinds: Record<string, number> = {};
    for (const f of cells.flatMap((c) => c.findings)) kinds[f.kind] = (kinds[f.kind] ?? 0) + 1;
    const common = {
      partnershipId: this.partnershipId,
      actorId: this.actorId,
      subject: { type: "import", id: this.partnershipId, ref: this.fileName },
      origin: { platform: "import", file: this.fileName } as const,
      at: this.at,
    };
    this.audits.push(
      { ...common, event: "privacy.held", after: { command: "import", outcome: "ask", kinds } },
      { ...common, event: "privacy.decided", before: { outcome: "ask", kinds }, after: { decision: "kept", cells: cells.map((c) => c.ref) } },
    );
  }

  problem(at: { sheet: string; row: number } | null, column: string | null, message: string): void {
    this.problems.push({ sheet: at?.sheet ?? "file", row: at?.row ?? null, column, message });
  }

  /** Writes the audit events collected since the last flush, in `tx` (one statement per 250). */
  async flush(tx: AuditTarget): Promise<void> {
    await writeAudit(tx, this.audits);
    this.audits.length = 0;
  }

  count(kind: ChangeKind, subject?: string): number {
    return this.changes.filter((c) => c.kind === kind && (subject === undefined || c.subject === subject)).length;
  }
}

/** The fields of `after` that differ from `before`, as {field: [before, after]}; empty when equal. */
export function differences<T extends Record<string, unknown>>(before: T, after: Partial<T>): Record<string, [unknown, unknown]> {
  const out: Record<string, [unknown, unknown]> = {};
  for (const [key, value] of Object.entries(after)) {
    if (value === undefined) continue;
    const was = before[key];
    const same = was instanceof Date && value instanceof Date ? was.getTime() === value.getTime() : stableJson(was ?? null) === stableJson(value ?? null);
    if (!same) out[key] = [was ?? null, value ?? null];
  }
  return out;
}

export const pickAfter = (diff: Record<string, [unknown, unknown]>) => Object.fromEntries(Object.entries(diff).map(([k, [, a]]) => [k, a]));
export const pickBefore = (diff: Record<string, [unknown, unknown]>) => Object.fromEntries(Object.entries(diff).map(([k, [b]]) => [k, b]));

/** JSON with object keys sorted, so jsonb's own key order never reads as a change. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v) && !(v instanceof Date)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}
