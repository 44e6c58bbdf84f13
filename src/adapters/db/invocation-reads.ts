import { sql } from "kysely";
import type { HeldAsRead, InvocationReads, PartnershipCalendarAsRead, PlatformIdentity, SubjectRead } from "../../commands/store.ts";
import { guardContextFrom, guardContextQuery, heldAsReadQuery, heldFromRow, heldLineRead, type GuardContextRow, type HeldAsReadRow } from "./held-texts.ts";
import type { Reply } from "../../domain/reply.ts";
import { indicatorByCodeQuery, indicatorFromRow, type IndicatorRow } from "./indicators.ts";
import { rolesGranting } from "../../domain/access.ts";
import { compileOnly } from "./kysely.ts";
import { peopleNamedQuery, personByIdentityQuery, personByIdQuery, toPerson, type PersonRow } from "./people.ts";
import { settingsAsReadFrom, settingsAsReadQuery, type SettingsRow } from "./person-settings.ts";
import { privacyAsReadFrom, privacyAsReadQuery, type PrivacyRow } from "./privacy-policy.ts";
import { publicationAsReadFrom, publicationAsReadQuery, type PublicationAsReadRow } from "./publication.ts";
import { followUpAsReadFrom, followUpAsReadQuery, pledgeAsReadFrom, pledgeAsReadQuery, type FollowUpAsReadRow, type PledgeAsReadRow } from "./pledges.ts";
import { newPledgeAsReadFrom, newPledgeAsReadQuery, type NewPledgeAsReadRow } from "./pledges.ts";
import { sightingQuery, storedReplyQuery } from "./receipts.ts";
import { riskAsReadFrom, riskAsReadQuery, riskReadValues, type RiskAsReadRow } from "./risk-reads.ts";
import { teamFromRow, teamsQuery, type TeamRow } from "./teams.ts";
import { accountHolderQuery } from "./identity-link.ts";
import { partnershipCalendarQuery } from "./partnership-calendar.ts";
import { calendarAsReadFrom, calendarAsReadQuery, type CalendarAsReadRow } from "./calendar-changes.ts";
import type { Queryable } from "./sql-runner.ts";
import { boundStatement, StatementShapes } from "./statement-shapes.ts";
import { actionFromRow, actionsByRef, type ActionRow } from "./view-queries.ts";
import { workshopAsReadFrom, workshopAsReadQuery, workshopsLoggedFrom, workshopsLoggedQuery, type WorkshopAsReadRow, type WorkshopsLoggedRow } from "./workshop-reads.ts";

type ReadShape = { byId: boolean; read: boolean; planKey: boolean; key: boolean; sight: boolean; indicator?: boolean; person?: boolean; pledge?: boolean; followUp?: boolean; workshop?: boolean; risk?: "number" | "home" | "sole"; riskOwner?: boolean; teams?: boolean; newPledge?: boolean; settings?: boolean; privacy?: boolean; heldSince?: boolean; publication?: boolean; workshopsLogged?: boolean; calendar?: boolean; partnershipCalendar?: boolean; account?: boolean; guard?: boolean; held?: boolean };
type ReadValues = { partnershipId: number; personId?: number; platform?: string; tenant?: string; userId?: string; ref?: string; planKey?: string; key?: string; sight?: string; code?: string; name?: string; pledgeId?: number; signatureId?: number; stage?: number; workshopId?: number; risk?: number; riskHome?: string; riskHomeKey?: string; riskOwner?: string; names?: string; title?: string; heldSince?: Date; accountPlatform?: string; accountTenant?: string; accountUser?: string; token?: string };

/**
 * The statement behind `readInvocation`, built once for each of its shapes:
 *
 *   WITH me AS (the person) [, sighted AS (the sighting's insert)]
 *   SELECT (me as json) AS me, (the stored reply) AS stored [, EXISTS (sighted) AS sighted]
 *          [, found.* | , (the indicator read, as json) AS indicator [, (the people named, as json) AS people]
 *           | , (the pledge as read, as json) AS pledge | , (the follow-up as read, as json) AS follow_up
 *           | , (the workshop with its indicator, as json) AS workshop | , (the asker's settings, as json) AS settings
 *           | , (the guard's policy [with its held counts], as json) AS privacy | , (the web publication, as json) AS publication
 *           | , (every team, as json) AS teams, (for each name, the people named, as json) AS people_named
 *           | , (the risk, or where a new one goes with the risks open there, as json) AS risk_read
 *           | , (the pledges of a new pledge's title, the partnership's version and an id drawn, as json) AS new_pledge
 *           | , (the plans and the reporting calendar, as json) AS calendar_read
 *           | , (the partnership's slug and region, as json) AS partnership_calendar
 *           | , (the people named, as json) AS people, (whom the account is linked to) AS account_holder]
 *           | , (the hold, as json) AS held, found.* (the action its line names)]
 *          [, (the guard's policy and the partnership's names and emails, as json) AS guard_context]
 *   FROM (SELECT 1) AS one [LEFT JOIN LATERAL (the actions read) AS found ON true]
 */
// Someone who may make a pledge asks (access.ts's rule, by role): only then is its id drawn.
const mayCreatePledge = sql<boolean>`EXISTS (SELECT 1 FROM me WHERE me.roles && ARRAY[${sql.join(rolesGranting("pledge.create").map((name) => sql.lit(name)))}]::text[])`;

const readStatements = new StatementShapes<ReadShape, ReadValues>((shape, v) => {
  const person = shape.byId
    ? personByIdQuery(compileOnly, v.partnershipId, v.personId!)
    : personByIdentityQuery(compileOnly, v.partnershipId, { platform: v.platform!, tenant: v.tenant!, userId: v.userId! });
  const withMe = compileOnly.with("me", () => person);
  // A delivery's key is sighted in the same statement, once the sender is known to be someone.
  const sighting = (creator: typeof withMe) => creator.with("sighted", () => sightingQuery(v.partnershipId, v.sight!, sql<boolean>`EXISTS (SELECT 1 FROM me)`));
  // Without a sighting there is no "sighted" to read, and nothing below reads it.
  const creator = shape.sight ? sighting(withMe) : (withMe as unknown as ReturnType<typeof sighting>);
  const query = creator
    .selectFrom(compileOnly.selectNoFrom(sql<number>`1`.as("one")).as("one"))
    .select((eb) => [
      eb.selectFrom("me").select(sql<PersonRow>`row_to_json(me)`.as("me")).limit(sql.lit(1)).as("me"),
      shape.key ? storedReplyQuery(v.partnershipId, v.key!).as("stored") : sql<Reply | null>`NULL::jsonb`.as("stored"),
    ])
    .$if(shape.sight, (q) => q.select((eb) => eb.exists(eb.selectFrom("sighted").select(sql<number>`1`.as("one"))).as("sighted")))
    .$if(shape.indicator === true, (q) =>
      q.select((eb) => eb.selectFrom(indicatorByCodeQuery(v.partnershipId, v.code!).as("ind")).select(sql<IndicatorRow>`row_to_json(ind)`.as("indicator")).as("indicator")),
    )
    .$if(shape.person === true, (q) =>
      q.select((eb) => eb.selectFrom(peopleNamedQuery(v.partnershipId, v.name!).as("named")).select(sql<PersonRow[]>`coalesce(json_agg(row_to_json(named)), '[]')`.as("people")).as("people")),
    )
    // A pledge with the asker's own signatures on it (a signature, a withdrawal).
    .$if(shape.pledge === true, (q) => q.select(pledgeAsReadQuery(v.partnershipId, v.pledgeId!, sql<number>`(SELECT me.id FROM me)`).as("pledge")))
    // A follow-up question with whose signature it is on (an answer).
    .$if(shape.followUp === true, (q) => q.select(followUpAsReadQuery(v.partnershipId, v.signatureId!, v.stage!).as("follow_up")))
    // A workshop with its indicator (notes added, an action proposed).
    .$if(shape.workshop === true, (q) => q.select(workshopAsReadQuery(v.partnershipId, v.workshopId!).as("workshop")))
    // The asker's workshops on the indicator that day (a workshop logged).
    .$if(shape.workshopsLogged === true, (q) => q.select(workshopsLoggedQuery(v.partnershipId, v.code!, sql<number>`(SELECT me.id FROM me)`).as("workshops_logged")))
    // A risk by number (a review, a closing), or where a new one goes with the risks open there (an add).
    .$if(shape.risk !== undefined, (q) =>
      q.select(
        riskAsReadQuery(
          v.partnershipId,
          shape.risk === "number"
            ? { risk: v.risk! }
            : { home: shape.risk === "home" ? { word: v.riskHome!, key: v.riskHomeKey! } : null, ...(shape.riskOwner ? { person: v.riskOwner! } : {}) },
        ).as("risk_read"),
      ),
    )
    // Every team, and the people each name the line may end with names (a member added or taken off).
    .$if(shape.teams === true, (q) =>
      q.select((eb) => [
        eb.selectFrom(teamsQuery(v.partnershipId).as("tm")).select(sql<TeamRow[]>`coalesce(json_agg(row_to_json(tm) order by tm.name), '[]')`.as("teams")).as("teams"),
        sql<{ name: string; people: PersonRow[] }[]>`(SELECT coalesce(json_agg(json_build_object('name', asked.name, 'people', (${eb
          .selectFrom(peopleNamedQuery(v.partnershipId, sql.ref<string>("asked.name")).as("named"))
          .select(sql<PersonRow[]>`coalesce(json_agg(row_to_json(named)), '[]')`.as("people"))}))), '[]') FROM json_array_elements_text(cast(${v.names!} as json)) AS asked(name))`.as("people_named"),
      ]),
    )
    // A new pledge's title: the pledges that have it, and an id drawn for it when someone asks and no reply is stored.
    .$if(shape.newPledge === true, (q) =>
      q.select(
        newPledgeAsReadQuery(
          v.partnershipId,
          v.title!,
          shape.key ? sql<boolean>`${mayCreatePledge} AND NOT EXISTS (${storedReplyQuery(v.partnershipId, v.key!)})` : mayCreatePledge,
        ).as("new_pledge"),
      ),
    )
    // The asker's own settings (/curve settings), the guard's policy (/curve privacy), the web publication (/curve publish).
    .$if(shape.settings === true, (q) => q.select(settingsAsReadQuery(sql<number>`(SELECT me.id FROM me)`).as("settings")))
    .$if(shape.privacy === true, (q) => q.select(privacyAsReadQuery(v.partnershipId, shape.heldSince ? v.heldSince! : null).as("privacy")))
    .$if(shape.publication === true, (q) => q.select(publicationAsReadQuery(v.partnershipId).as("publication")))
    // The plans and the reporting calendar (/report schedule).
    .$if(shape.calendar === true, (q) => q.select(calendarAsReadQuery(v.partnershipId).as("calendar_read")))
    // The partnership's calendar (/curve settings region partnership).
    .$if(shape.partnershipCalendar === true, (q) => q.select(partnershipCalendarQuery(v.partnershipId).as("partnership_calendar")))
    // Whom an account is linked to now (/curve link; the person named is read as `people`).
    .$if(shape.account === true, (q) => q.select(accountHolderQuery({ platform: v.accountPlatform as PlatformIdentity["platform"], tenant: v.accountTenant!, userId: v.accountUser! }).as("account_holder")))
    // The guard's context, for a line that may hold personal data.
    .$if(shape.guard === true, (q) => q.select(guardContextQuery(v.partnershipId).as("guard_context")))
    // A hold by its token (/curve held), with the action its line names (`line_read`) as `found`.
    .$if(shape.held === true, (q) =>
      q
        .select(heldAsReadQuery(v.partnershipId, v.token!).as("held"))
        .leftJoinLateral(
          actionsByRef(v.partnershipId, heldLineRead(v.partnershipId, v.token!, "ref"), sql<string>`coalesce(${heldLineRead(v.partnershipId, v.token!, "planKey")}, pl.key)`).as("found"),
          (join) => join.onTrue(),
        )
        .selectAll("found"),
    )
    .$if(shape.read, (q) =>
      q
        .leftJoinLateral(actionsByRef(v.partnershipId, v.ref!, shape.planKey ? v.planKey : undefined).as("found"), (join) => join.onTrue())
        .selectAll("found"),
    );
  return boundStatement(query);
});

/** A risk read as InvocationReads holds it: the people its owner's name finds also as `people`, as an indicator's owner's are. */
function riskReadsFrom(row: RiskAsReadRow): Pick<InvocationReads, "risk" | "people"> {
  const risk = riskAsReadFrom(row);
  return { risk, ...("people" in risk && row.people !== undefined ? { people: risk.people } : {}) };
}

/**
 * What an invocation needs before its command runs, in ONE statement: who is asking (by person
 * id, or by a linked platform identity), the actions its command will read (those
 * `findActionsByRef` would return for an ActionRead; null for any other `subject`) or the
 * indicator it reads (as `queryIndicators` by code returns it; null when none has the code,
 * absent for any other `subject`) with the people it names (as `peopleNamed` finds them), for
 * a PledgeRead the pledge with the asker's own signatures (`pledge`: null when there is no such
 * pledge, absent for any other read), for a FollowUpRead the question (`followUp`, likewise),
 * for a RiskRead or RiskHomeRead the risk or where a new one goes (`risk`, risk-reads.ts), for
 * a NewPledgeRead the pledges of that title with an id drawn for a new one (`newPledge`, likewise;
 * see pledges.ts, `newPledgeAsReadQuery`), for a WorkshopRead the workshop with its indicator and
 * numbering (`workshop`, workshop-reads.ts), for an IndicatorRead with `workshopsLogged` the
 * asker's workshops on it that day (`workshopsLogged`), for a ReportCalendarRead the plans and
 * the reporting calendar (`calendar`, calendar-changes.ts), for a PartnershipCalendarRead the
 * partnership's slug and region (`partnershipCalendar`, partnership-calendar.ts), for a LinkRead
 * the people named and whom its account is linked to (`accountHolder`, identity-link.ts), for a
 * HeldRead the hold with the action its line names (`held`, held-texts.ts; null when none is
 * held under the token), with `guardContext` the guard's policy and the partnership's own names
 * and emails, and the reply stored
 * for `key` (null when none, or the key is only sighted, or `key` is null).
 */
export async function readInvocation(
  db: Queryable,
  partnershipId: number,
  who: { personId: number } | PlatformIdentity,
  subject: SubjectRead | null,
  key: string | null,
  sight?: string,
): Promise<InvocationReads> {
  const read = subject && "ref" in subject ? subject : null;
  const indicator = subject && "indicator" in subject ? subject.indicator : null;
  // A person named in the line (an indicator's owner, a role given); a new risk's owner is read with its home (`riskReadsFrom`).
  const person = subject && "person" in subject && !("riskHome" in subject) && subject.person !== undefined ? subject.person : null;
  const team = subject && "teams" in subject ? subject : null;
  const workshopsLogged = subject && "indicator" in subject && subject.workshopsLogged === true;
  const pledge = subject && "pledgeId" in subject ? subject : null;
  const followUp = subject && "signatureId" in subject ? subject : null;
  const workshop = subject && "workshopId" in subject ? subject : null;
  const risk = subject && ("risk" in subject || "riskHome" in subject) ? riskReadValues(subject) : null;
  const newPledge = subject && "newPledgeTitle" in subject ? subject : null;
  const settings = subject !== null && "settings" in subject;
  const privacy = subject && "privacy" in subject ? subject.privacy : null;
  const publication = subject !== null && "publication" in subject;
  const calendar = subject !== null && "reportCalendar" in subject;
  const partnershipCalendar = subject !== null && "partnershipCalendar" in subject;
  const account = subject && "account" in subject ? subject.account : null;
  const guard = subject !== null && subject.guardContext === true;
  const held = subject && "held" in subject ? subject.held : null;
  const shape: ReadShape = {
    byId: "personId" in who,
    read: read !== null,
    planKey: Boolean(read?.planKey),
    key: key !== null,
    sight: sight !== undefined,
    ...(indicator !== null ? { indicator: true } : {}),
    ...(person !== null ? { person: true } : {}),
    ...(pledge ? { pledge: true } : {}),
    ...(followUp ? { followUp: true } : {}),
    ...(workshop ? { workshop: true } : {}),
    ...(risk ? { risk: "risk" in risk ? ("number" as const) : risk.home ? ("home" as const) : ("sole" as const), ...("person" in risk ? { riskOwner: true } : {}) } : {}),
    ...(team ? { teams: true } : {}),
    ...(newPledge ? { newPledge: true } : {}),
    ...(settings ? { settings: true } : {}),
    ...(privacy ? { privacy: true, heldSince: privacy.heldSince !== null } : {}),
    ...(publication ? { publication: true } : {}),
    ...(workshopsLogged ? { workshopsLogged: true } : {}),
    ...(calendar ? { calendar: true } : {}),
    ...(partnershipCalendar ? { partnershipCalendar: true } : {}),
    ...(account ? { account: true } : {}),
    ...(guard ? { guard: true } : {}),
    ...(held !== null ? { held: true } : {}),
  };
  const values: ReadValues = {
    partnershipId,
    ...("personId" in who ? { personId: who.personId } : { platform: who.platform, tenant: who.tenant, userId: who.userId }),
    ...(read ? { ref: read.ref, ...(read.planKey ? { planKey: read.planKey } : {}) } : {}),
    ...(indicator !== null ? { code: indicator } : {}),
    ...(person !== null ? { name: person } : {}),
    ...(pledge ? { pledgeId: pledge.pledgeId } : {}),
    ...(followUp ? { signatureId: followUp.signatureId, stage: followUp.stage } : {}),
    ...(workshop ? { workshopId: workshop.workshopId } : {}),
    ...(risk ? ("risk" in risk ? { risk: risk.risk } : { ...(risk.home ? { riskHome: risk.home.word, riskHomeKey: risk.home.key } : {}), ...(risk.person !== undefined ? { riskOwner: risk.person } : {}) }) : {}),
    ...(team ? { names: JSON.stringify(team.people) } : {}),
    ...(newPledge ? { title: newPledge.newPledgeTitle } : {}),
    ...(privacy?.heldSince ? { heldSince: privacy.heldSince } : {}),
    ...(account ? { accountPlatform: account.platform, accountTenant: account.tenant, accountUser: account.userId } : {}),
    ...(held !== null ? { token: held } : {}),
    ...(key !== null ? { key } : {}),
    ...(sight !== undefined ? { sight } : {}),
  };
  const query = readStatements.bind(shape, values);
  const rows = await db.query<Partial<ActionRow> & { me: PersonRow | null; stored: Reply | null; sighted?: boolean; indicator?: IndicatorRow | null; people?: PersonRow[]; pledge?: PledgeAsReadRow | null; follow_up?: FollowUpAsReadRow | null; workshop?: WorkshopAsReadRow | null; risk_read?: RiskAsReadRow; teams?: TeamRow[]; people_named?: { name: string; people: PersonRow[] }[]; new_pledge?: NewPledgeAsReadRow | null; settings?: SettingsRow | null; privacy?: PrivacyRow | null; publication?: PublicationAsReadRow | null; workshops_logged?: WorkshopsLoggedRow | null; calendar_read?: CalendarAsReadRow; partnership_calendar?: PartnershipCalendarAsRead | null; account_holder?: number | null; guard_context?: GuardContextRow | null; held?: HeldAsReadRow | null }>(query.text, query.values);
  const first = rows[0];
  return {
    person: first?.me ? toPerson(first.me) : null,
    actions: read === null ? null : rows.filter((row) => row.id != null).map((row) => actionFromRow(row as ActionRow)),
    stored: first?.stored ?? null,
    ...(shape.sight && first?.me ? { sighted: first.sighted === true } : {}),
    ...(indicator !== null ? { indicator: first?.indicator ? indicatorFromRow(first.indicator) : null } : {}),
    ...(person !== null ? { people: (first?.people ?? []).map(toPerson) } : {}),
    ...(pledge ? { pledge: first?.pledge ? pledgeAsReadFrom(first.pledge) : null } : {}),
    ...(followUp ? { followUp: first?.follow_up ? followUpAsReadFrom(first.follow_up) : null } : {}),
    ...(workshop ? { workshop: first?.workshop ? workshopAsReadFrom(first.workshop) : null } : {}),
    ...(risk && first?.risk_read ? riskReadsFrom(first.risk_read) : {}),
    ...(team ? { teams: (first?.teams ?? []).map(teamFromRow), peopleNamed: (first?.people_named ?? []).map((n) => ({ name: n.name, people: n.people.map(toPerson) })) } : {}),
    ...(newPledge ? { newPledge: first?.new_pledge ? newPledgeAsReadFrom(newPledge.newPledgeTitle, first.new_pledge) : null } : {}),
    ...(settings ? { settings: first?.settings ? settingsAsReadFrom(first.settings) : null } : {}),
    ...(privacy ? { privacy: privacyAsReadFrom(first?.privacy ?? null) } : {}),
    ...(publication ? { publication: first?.publication ? publicationAsReadFrom(first.publication) : null } : {}),
    ...(workshopsLogged ? { workshopsLogged: first?.workshops_logged ? workshopsLoggedFrom(first.workshops_logged) : null } : {}),
    ...(calendar && first?.calendar_read ? { calendar: calendarAsReadFrom(first.calendar_read) } : {}),
    ...(partnershipCalendar ? { partnershipCalendar: first?.partnership_calendar ?? null } : {}),
    ...(account ? { accountHolder: first?.account_holder ?? null } : {}),
    ...(guard ? { guardContext: guardContextFrom(first?.guard_context ?? null) } : {}),
    ...(held !== null ? { held: first?.held ? heldAsReadFrom(first.held, rows) : null } : {}),
  };
}

/** A hold as read, with the actions its line names (the rows `found` joined) when it names one. */
function heldAsReadFrom(row: HeldAsReadRow, rows: Partial<ActionRow>[]): HeldAsRead {
  const { record, lineRead } = heldFromRow(row);
  return { record, read: lineRead, actions: lineRead ? rows.filter((r) => r.id != null).map((r) => actionFromRow(r as ActionRow)) : null };
}
