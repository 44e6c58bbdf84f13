import type { ColumnSpec } from "./sheet.ts";

/**
 * The sheets of a plan workbook and their columns: the headings Curve writes (templates,
 * exports) and the variants partners already use for them. The action columns are the
 * CYPP action plans' (seed 002: Action, Targeting, Action Owner, Contributing Officers/Teams,
 * Milestone or Target) and the Ofsted plan's (seed 001: What will we do, How will we do it,
 * How will we know we are making a difference, Lead).
 */
const col = <K extends string>(key: K, heading: string, ...variants: string[]): ColumnSpec<K> => ({ key, heading, variants });

export const PARTNERSHIP_COLUMNS = [col("slug", "Partnership", "Slug", "Partnership slug"), col("name", "Name", "Partnership name")] as const;

export const PLAN_COLUMNS = [
  col("key", "Plan", "Plan key", "Key"),
  col("title", "Title", "Plan title", "Plan name"),
  col("kind", "Kind", "Plan kind", "Type"),
  col("periodStart", "Period start", "Start", "From"),
  col("periodEnd", "Period end", "End", "To"),
  col("source", "Source", "Source document"),
] as const;

export const OUTCOME_COLUMNS = [
  col("plan", "Plan"),
  col("number", "Number", "No", "Outcome number"),
  col("key", "Key", "Outcome key"),
  col("title", "Outcome", "Outcome title", "Strategic outcome"),
] as const;

export const PRIORITY_COLUMNS = [
  col("plan", "Plan"),
  col("kind", "Kind", "Type"),
  col("number", "Number", "No", "Priority number"),
  col("title", "Priority", "Priority title", "Title", "Area for improvement", "Theme"),
  col("outcome", "Outcome", "Strategic outcome"),
  col("obsession", "Obsession"),
  col("startingPoint", "Starting point", "Starting point for action"),
  col("refPrefix", "Ref prefix", "Prefix", "Action ref prefix"),
  col("sponsors", "CTB sponsors", "CTB sponsor", "Sponsors", "Sponsor"),
  col("leads", "Leads", "Lead", "LCC lead", "LCC leads", "Delivery lead"),
  col("note", "Note", "Notes"),
] as const;

export const ACTION_COLUMNS = [
  col("plan", "Plan"),
  col("priority", "Priority", "Priority number", "Priority no"),
  col("ref", "Ref", "Reference", "Action ref", "No", "Action no", "Number", "#"),
  col("section", "Section", "Workstream", "Heading"),
  col("title", "Action", "Actions", "Action title", "Area for improvement", "Areas for improvement", "Recommendation"),
  col("targeting", "Targeting", "Target group", "Who for"),
  col("owner", "Action Owner", "Action owners", "Owner", "Owners", "Owner(s)", "Action lead", "Lead officer", "Responsible officer", "Lead", "Led by"),
  col(
    "contributors",
    "Contributing Officers/Teams",
    "Contributing Officers or agencies",
    "Contributing Officers",
    "Contributing officers teams",
    "Contributing teams",
    "Contributors",
    "Partners",
    "Supported by",
  ),
  col(
    "milestones",
    "Milestone or Target",
    "Milestone/Target",
    "Milestones or Targets",
    "Milestone",
    "Milestones",
    "Milestones and targets",
    "Target",
    "Targets",
    "Dated milestones",
    "Key milestones",
    "By when",
  ),
  col("whatWeWillDo", "What will we do", "What will we do?"),
  col("howWeWillDoIt", "How will we do it", "How will we do it?"),
  col(
    "howWeWillKnow",
    "How will we know we are making a difference",
    "How will we know that we are making a difference?",
    "How will we know that we are making a difference",
    "How will we know",
    "Evidence of impact",
  ),
  col("state", "State", "Status", "RAG"),
  col("note", "Note", "Notes", "Comments"),
  col("linkedOwners", "Linked owners"),
  col("linkedContributors", "Linked contributors"),
] as const;

export const MILESTONE_COLUMNS = [
  col("plan", "Plan"),
  col("ref", "Ref", "Milestone ref"),
  col("text", "Milestone", "Milestone or Target", "Text"),
  col("kind", "Kind", "Milestone or target?"),
  col("due", "Due", "Due date", "Date", "By when"),
  col("precision", "Precision"),
  col("dueStart", "Due from"),
  col("dueBy", "Due by"),
  col("doneAt", "Done at", "Done", "Completed"),
  col("doneBy", "Done by", "Completed by"),
  col("evidence", "Evidence"),
] as const;

export const PEOPLE_COLUMNS = [
  col("name", "Name", "Person", "Full name"),
  col("email", "Email", "E-mail", "Email address"),
  col("organisation", "Organisation", "Organization", "Agency", "Employer"),
  col("roles", "Roles", "Role"),
  col("timeZone", "Time zone", "Timezone", "TZ"),
  col("jobTitle", "Job title", "Title", "Position"),
] as const;

export const TEAM_COLUMNS = [
  col("name", "Team", "Team or organisation", "Name", "Organisation", "Group"),
  col("kind", "Kind", "Type"),
  col("members", "Members", "Member", "People"),
] as const;

export const INDICATOR_COLUMNS = [
  col("code", "Code", "Indicator code", "Ref"),
  col("name", "Indicator", "Name", "Key indicator", "Measure"),
  col("plan", "Plan"),
  col("priority", "Priority"),
  col("number", "Number", "No"),
  col("unit", "Unit", "Units"),
  col("polarity", "Polarity", "Better is", "Direction"),
  col("obsession", "Obsession"),
  col("baselineValue", "Baseline", "Baseline value"),
  col("baselineDate", "Baseline date", "Baseline as at"),
  col("baselineText", "Baseline as written", "Baseline text"),
  col("targets", "Targets", "Target", "Dated targets"),
  col("tolerance", "Tolerance", "RAG tolerance"),
  col("periodicity", "Periodicity", "Frequency", "Reported"),
  col("owner", "Owner", "Indicator owner", "Lead"),
  col("forecast", "Forecast", "Forecasts"),
  col("note", "Note", "Notes"),
] as const;

/**
 * An indicator's readings, one a row: the indicator's code, the period as `/indicator record`
 * takes it ("Sep 2011", "Q2 2011/12", "2016/17"), the value in the indicator's unit (blank or
 * "not known" records the period as not known), and where the figure came from.
 */
export const READING_COLUMNS = [
  col("indicator", "Indicator", "Code", "Indicator code", "Indicator ref"),
  col("period", "Period", "Reporting period", "Period covered"),
  col("value", "Value", "Reading", "Figure", "Actual"),
  col("source", "Source", "Data source"),
  col("recordedBy", "Recorded by", "Entered by"),
  col("recordedAt", "Recorded", "Recorded on", "Recorded at", "Date recorded"),
] as const;

type Keys<T extends readonly ColumnSpec[]> = T[number]["key"];
export type ActionColumn = Keys<typeof ACTION_COLUMNS>;

export type SheetKind = "partnership" | "plans" | "outcomes" | "priorities" | "actions" | "milestones" | "people" | "teams" | "indicators" | "readings";

/** Each sheet: its name in templates and exports, other names it goes by, its columns, and the headings that identify it. */
export const SHEETS: Record<SheetKind, { name: string; names: readonly string[]; columns: readonly ColumnSpec[]; required: readonly string[] }> = {
  partnership: { name: "Partnership", names: ["partnership"], columns: PARTNERSHIP_COLUMNS, required: ["slug", "name"] },
  plans: { name: "Plans", names: ["plans", "plan list"], columns: PLAN_COLUMNS, required: ["key", "title"] },
  outcomes: { name: "Outcomes", names: ["outcomes", "strategic outcomes"], columns: OUTCOME_COLUMNS, required: ["title"] },
  priorities: { name: "Priorities", names: ["priorities", "sponsors", "priorities and sponsors"], columns: PRIORITY_COLUMNS, required: ["title"] },
  actions: { name: "Actions", names: ["actions", "action plan", "action plans"], columns: ACTION_COLUMNS, required: [] },
  milestones: { name: "Milestones", names: ["milestones"], columns: MILESTONE_COLUMNS, required: ["ref", "text"] },
  people: { name: "People", names: ["people", "contacts", "staff"], columns: PEOPLE_COLUMNS, required: ["name"] },
  teams: { name: "Teams", names: ["teams", "teams and organisations", "organisations", "groups"], columns: TEAM_COLUMNS, required: ["name"] },
  indicators: { name: "Indicators", names: ["indicators", "key indicators", "measures"], columns: INDICATOR_COLUMNS, required: ["code", "name"] },
  readings: { name: "Readings", names: ["readings", "indicator readings", "scorecard readings"], columns: READING_COLUMNS, required: ["indicator", "period", "value"] },
};

/** The order sheets are read in, so that names and refs exist before what points at them. */
export const SHEET_ORDER: readonly SheetKind[] = ["partnership", "plans", "outcomes", "priorities", "people", "teams", "indicators", "actions", "milestones", "readings"];
