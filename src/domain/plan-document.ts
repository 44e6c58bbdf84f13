import { z } from "zod/v4";

/**
 * A plan as transcribed from its source document (demo/leeds/*.json): the format
 * `curve seed --demo` loads. Text fields keep the document's own words.
 */
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "expected an ISO date like 2011-04-01");
const party = z.union([z.object({ person: z.string().min(1) }), z.object({ team: z.string().min(1) })]);
const nullableText = z.string().nullable().optional();

export const PLAN_KINDS = {
  improvement: "improvement_plan",
  cypp: "children_and_young_peoples_plan",
  inspection_action: "inspection_action_plan",
} as const;

export const PlanDocumentSchema = z.object({
  plan: z.object({
    key: z.string().regex(/^[a-z0-9-]+$/),
    title: z.string().min(1),
    kind: z.enum(Object.keys(PLAN_KINDS) as [keyof typeof PLAN_KINDS, ...(keyof typeof PLAN_KINDS)[]]),
    periodStart: isoDate.nullable(),
    periodEnd: isoDate.nullable(),
    source: z.string().nullable().optional(),
  }),
  outcomes: z.array(z.object({ number: z.number().int(), key: z.string().min(1), title: z.string().min(1) })),
  priorities: z.array(
    z.object({
      number: z.number().int(),
      title: z.string().min(1),
      outcome: z.string().nullable(),
      startingPoint: z.boolean(),
      obsession: z.string().nullable(),
      refPrefix: z.string().nullable(),
      sponsors: z.array(z.string()),
      leads: z.array(z.string()),
      note: nullableText,
    }),
  ),
  ambitions: z.array(z.object({ title: z.string().min(1), sponsors: z.array(z.string()), leads: z.array(z.string()), note: nullableText })),
  indicators: z.array(
    z.object({
      number: z.number().int(),
      code: z.string().regex(/^[A-Z0-9-]+$/),
      name: z.string().min(1),
      priority: z.number().int(),
      obsession: z.boolean(),
      unit: z.enum(["count", "percent", "per_1000"]),
      polarity: z.enum(["lower_is_better", "higher_is_better", "unknown"]),
      baseline: z.object({ value: z.number(), date: isoDate.nullable(), text: z.string() }).nullable(),
      note: nullableText,
      /** How far short of target (in the indicator's unit) is amber, not red; absent: the default in rag.ts. */
      tolerance: z.number().nonnegative().finite().optional(),
      /** How often readings come; decides how a bare "2009/10" reads (academic for attendance). */
      periodicity: z.enum(["monthly", "quarterly", "termly", "annual", "academic_year"]).optional(),
      /** Figures the plan gives besides the baseline, each with its own period as the plan writes it. */
      readings: z.array(z.object({ period: z.string().min(1), value: z.number().finite(), source: z.string().min(1) })).optional(),
    }),
  ),
  actions: z.array(
    z.object({
      ref: z.string().min(1),
      priority: z.number().int(),
      section: nullableText,
      title: z.string().min(1),
      targeting: nullableText,
      ownerText: nullableText,
      owners: z.array(party),
      contributorText: nullableText,
      contributors: z.array(party),
      whatWeWillDo: nullableText,
      howWeWillDoIt: nullableText,
      howWeWillKnow: nullableText,
      milestones: z.array(z.object({ text: z.string().min(1), kind: z.enum(["milestone", "target"]) })),
      note: nullableText,
    }),
  ),
  people: z.array(z.object({ name: z.string().min(1), email: z.string().email(), title: z.string().nullable().optional() })),
});

export type PlanDocument = z.infer<typeof PlanDocumentSchema>;

export const PartnershipDocumentSchema = z.object({
  slug: z.string().regex(/^[a-z0-9-]+$/),
  name: z.string().min(1),
  plans: z.array(z.string().min(1)).min(1),
  /** Where the demo's clock starts (ISO 8601 with offset): a working Monday inside its plans' period. */
  clock: z.string().datetime({ offset: true }).optional(),
  /** People (by email) with partnership-wide roles. */
  roles: z.record(z.string().email(), z.array(z.enum(["coordinator", "admin", "board_member"]))),
});

export type PartnershipDocument = z.infer<typeof PartnershipDocumentSchema>;
