import type { SheetRows } from "./write-workbook.ts";

/**
 * The example rows of templates/plan.xlsx and its CSVs: one of each thing, in the words of
 * Leeds's CYPP 2011-15 (seed 002), so a council sees what goes where. `npm run templates`
 * rewrites the files from here; a test checks they import cleanly.
 */
export const PLAN_TEMPLATE: SheetRows[] = [
  { kind: "partnership", rows: [{ slug: "our-council", name: "Our Children's Trust Board partnership" }] },
  { kind: "plans", rows: [{ key: "cypp-2011-15", title: "Children and Young People's Plan 2011-15", kind: "cypp", periodStart: "2011-04-01", periodEnd: "2015-03-31", source: "" }] },
  { kind: "outcomes", rows: [{ plan: "cypp-2011-15", number: 2, key: "do-well-in-learning", title: "CYP Do well in learning and have the skills for life" }] },
  {
    kind: "priorities",
    rows: [{
      plan: "cypp-2011-15", kind: "priority", number: 3, title: "Improve behaviour, attendance and achievement", outcome: "do-well-in-learning",
      obsession: "School attendance", startingPoint: "yes", refPrefix: "ATT", sponsors: "Simon Whitehead; Tony Adlard", leads: "Simon Flowers", note: "",
    }],
  },
  {
    kind: "actions",
    rows: [
      {
        plan: "cypp-2011-15", priority: "3", ref: "ATT-1", section: "", title: "Target children with a 60-70% absence rate, carrying out OBA exercises at cluster level to establish the local reasons for low attendance and agree local solutions and interventions.",
        targeting: "Priority clusters determined by need and leadership capacity", owner: "Jancis Andrew", contributors: "Cluster chairs and managers",
        milestones: "Project Brief March 2011\nDelivery Summer term 2011", whatWeWillDo: "", howWeWillDoIt: "", howWeWillKnow: "", state: "", note: "", linkedOwners: "", linkedContributors: "",
      },
      {
        plan: "cypp-2011-15", priority: "3", ref: "ATT-2", section: "", title: "Evaluate and test the local & city wide service redesign implications of the 60-70% absence rate project for locality based children's services.",
        targeting: "City wide", owner: "Multi agency implementation group", contributors: "Jancis Andrew",
        milestones: "Model agreed by end of March 2012", whatWeWillDo: "", howWeWillDoIt: "", howWeWillKnow: "", state: "", note: "", linkedOwners: "", linkedContributors: "",
      },
    ],
  },
  {
    kind: "people",
    rows: [
      { name: "Simon Whitehead", email: "simon.whitehead@example.org", organisation: "Schools", roles: "", timeZone: "Europe/London", jobTitle: "CTB sponsor" },
      { name: "Tony Adlard", email: "tony.adlard@example.org", organisation: "Schools", roles: "", timeZone: "Europe/London", jobTitle: "CTB sponsor" },
      { name: "Simon Flowers", email: "simon.flowers@example.org", organisation: "Leeds City Council", roles: "coordinator", timeZone: "Europe/London", jobTitle: "LCC lead" },
      { name: "Jancis Andrew", email: "jancis.andrew@example.org", organisation: "Leeds City Council", roles: "", timeZone: "Europe/London", jobTitle: "" },
    ],
  },
  {
    kind: "teams",
    rows: [
      { name: "Multi agency implementation group", kind: "team", members: "Jancis Andrew; Simon Flowers" },
      { name: "Cluster chairs and managers", kind: "team", members: "" },
    ],
  },
  {
    kind: "indicators",
    rows: [{
      code: "ATT-PRI", name: "The level of attendance at primary school", plan: "cypp-2011-15", priority: "3", number: 5, unit: "percent", polarity: "higher_is_better",
      obsession: "yes", baselineValue: 94.3, baselineDate: "2010-03-31", baselineText: "94.3% as at end of half term 4 2009/10", targets: "95 by July 2013",
      periodicity: "termly", owner: "Simon Flowers", forecast: "", note: "",
    }],
  },
  {
    kind: "readings",
    rows: [{ indicator: "ATT-PRI", period: "half terms 1-5 2009/10", value: 94.4, source: "CYPP 2011-15", recordedBy: "Simon Flowers", recordedAt: "" }],
  },
];
