import { Prisma, type PrismaClient } from "../../../generated/prisma/client.ts";
import type { ChangeContext, ChangeStore, MilestoneFilter, PersonStanding, PlanSummary, PlatformIdentity, PrioritySummary, Store, SubjectRead, TeamView } from "../../commands/store.ts";
import type { ActionState, AuditEntry, Person, PlatformName } from "../../domain/model.ts";
import { compareForAttention } from "../../domain/milestone-status.ts";
import { compareRefs } from "../../domain/refs.ts";
import type { Reply } from "../../domain/reply.ts";
import { sql } from "kysely";
import { arrayOf, compileOnly, runCompiled, type KyselyDb } from "./kysely.ts";
import { changedOnce, sightOnce } from "./receipts.ts";
import { teams } from "./teams.ts";
import { SqlChangeStore } from "./sql-change-store.ts";
import type { SqlRunner } from "./sql-runner.ts";
import { dateFromIso, personInclude, toPerson } from "./views.ts";
import type { Database } from "./open-database.ts";
import type { OutboxSignal } from "./outbox-signal.ts";
import { homeViewersConcernedWith, peopleNamed, personById, personByIdentity, personStanding } from "./people.ts";
import { failedDeliveries } from "./deliveries.ts";
import { readInvocation } from "./invocation-reads.ts";
import { settingsAsReadFrom, settingsAsReadQuery } from "./person-settings.ts";
import { privacyAsReadFrom, privacyAsReadQuery } from "./privacy-policy.ts";
import { publicationAsReadFrom, publicationAsReadQuery } from "./publication.ts";
import { partnershipCalendarQuery } from "./partnership-calendar.ts";
import { accountHolderQuery } from "./identity-link.ts";
import { PlannedStoreChanges } from "./store-planner.ts";
import { boundStatement, StatementShapes } from "./statement-shapes.ts";
import { actionsByRef, actionsQuery, milestonesQuery, ownedActionIds, queryActions, queryMilestones } from "./view-queries.ts";
import { scorecardPlans, scorecardPriorities } from "./scorecards.ts";

// The most a list returns in one reply; longer lists say how many there are in all.
const MAX_LISTED = 500;

type MilestoneListShape = { owner: boolean; action: boolean; open: boolean; dueBy: boolean; dueFrom: boolean };
type MilestoneListValues = { partnershipId: number; ownerId?: number; actionId?: number; dueBy?: Date; dueFrom?: Date; limit: number };

/** The statement behind `listMilestones`, built once for each combination of its filters. */
const milestoneLists = new StatementShapes<MilestoneListShape, MilestoneListValues>((shape, v) =>
  boundStatement(
    milestonesQuery(
      (q) =>
        q
          .where("pl.partnership_id", "=", v.partnershipId)
          .$if(shape.owner, (q) => q.where("m.action_id", "in", ownedActionIds(v.ownerId!)))
          // A refreshed plan's open milestones moved with their actions: list them once, from the live plan.
          .$if(shape.action, (q) => q.where("m.action_id", "=", v.actionId!))
          .$if(!shape.action, (q) => q.where("pl.closed_at", "is", null))
          .$if(shape.open, (q) => q.where("m.done_at", "is", null))
          .$if(shape.dueBy, (q) => q.where("m.done_at", "is", null).where("m.due_date", "<=", v.dueBy!))
          .$if(shape.dueFrom, (q) => q.where("m.done_at", "is", null).where("m.due_date", ">=", v.dueFrom!))
          // Most urgent first (the oldest due date), then dateless; an action's own list in step order.
          .$if(!shape.action, (q) => q.orderBy("m.due_date", (ob) => ob.asc().nullsLast()).orderBy("a.ref").orderBy("m.position"))
          .$if(shape.action, (q) => q.orderBy("m.position")),
      v.limit,
    ),
  ),
);

/** The statement behind `actionsOwnedBy`, built once. */
const ownedActions = new StatementShapes<Record<string, never>, { partnershipId: number; personId: number }>((_shape, v) =>
  boundStatement(
    actionsQuery()
      .where("pl.partnership_id", "=", v.partnershipId)
      .where("pl.closed_at", "is", null)
      .where("a.id", "in", ownedActionIds(v.personId)),
  ),
);

/** The statement behind `findActionsByRef`, built once with a plan's key and once without. */
const actionsByRefStatements = new StatementShapes<{ planKey: boolean }, { partnershipId: number; ref: string; planKey?: string }>((shape, v) =>
  boundStatement(actionsByRef(v.partnershipId, v.ref, shape.planKey ? v.planKey : undefined)),
);

export class PrismaStore implements Store {
  private readonly prisma: PrismaClient;
  private readonly sql: SqlRunner;
  private readonly db: KyselyDb;
  private readonly outbox: OutboxSignal | undefined;

  /** `database.outbox`, when given, hears of each change that put rows in the outbox (its announcements, a channel's card, App Home). */
  constructor(database: Pick<Database, "prisma" | "sql" | "kysely"> & Partial<Pick<Database, "outbox">>) {
    this.prisma = database.prisma;
    this.sql = database.sql;
    this.db = database.kysely;
    this.outbox = database.outbox;
  }

  failedDeliveries(partnershipId: number) {
    return failedDeliveries(this.db, partnershipId);
  }

  findPersonById(partnershipId: number, id: number): Promise<Person | null> {
    return personById(this.db, partnershipId, id);
  }

  findPersonByIdentity(partnershipId: number, identity: { platform: string; tenant: string; userId: string }) {
    return personByIdentity(this.db, partnershipId, identity);
  }

  teams(partnershipId: number): Promise<TeamView[]> {
    return teams(this.sql, partnershipId);
  }

  async searchPeople(partnershipId: number, text: string, limit: number): Promise<Person[]> {
    const rows = await this.prisma.person.findMany({
      where: { partnershipId, name: { contains: text, mode: "insensitive" } },
      include: personInclude,
      orderBy: { name: "asc" },
      take: limit,
    });
    return rows.map(toPerson);
  }

  async findPersonByEmail(partnershipId: number, email: string): Promise<Person | null> {
    const row = await this.prisma.person.findFirst({
      where: { partnershipId, email: { equals: email.trim(), mode: "insensitive" } },
      include: personInclude,
    });
    return row && toPerson(row);
  }

  async partnershipForTenant(platform: PlatformName, tenant: string): Promise<number | null> {
    const row = await this.prisma.platformTenant.findUnique({ where: { platform_tenant: { platform, tenant } } });
    return row?.partnershipId ?? null;
  }

  /** Every partnership, by id. Sent through the driver's runner, as peopleNamed is, for the same reason: curve shell reads them before its first prompt. */
  async partnerships() {
    return runCompiled(this.sql, compileOnly.selectFrom("partnership").select(["id", "slug", "name"]).orderBy("id"));
  }

  async bindTenant(platform: PlatformName, tenant: string, partnershipId: number): Promise<void> {
    // ON CONFLICT DO NOTHING: instances starting together each bind their workspace at once
    // (an upsert with nothing to update reads, then inserts, and the second insert failed).
    await this.prisma.platformTenant.createMany({ data: [{ platform, tenant, partnershipId }], skipDuplicates: true });
  }

  async rememberConversation(identity: PlatformIdentity, conversation: unknown): Promise<void> {
    await this.prisma.platformIdentity.updateMany({
      where: { platform: identity.platform, tenant: identity.tenant, userId: identity.userId },
      data: { conversation: conversation as Prisma.InputJsonValue },
    });
  }

  async conversationOf(personId: number, platform: PlatformName) {
    const row = await this.prisma.platformIdentity.findFirst({
      where: { personId, platform, NOT: { conversation: { equals: Prisma.AnyNull } } },
      orderBy: { createdAt: "desc" },
    });
    return row && { identity: { platform: row.platform, tenant: row.tenant, userId: row.userId }, conversation: row.conversation };
  }

  async conversationInTenant(platform: PlatformName, tenant: string) {
    const row = await this.prisma.platformIdentity.findFirst({
      where: { platform, tenant, NOT: { conversation: { equals: Prisma.AnyNull } } },
      orderBy: { createdAt: "desc" },
    });
    return row && { identity: { platform: row.platform, tenant: row.tenant, userId: row.userId }, conversation: row.conversation };
  }

  homeViewersConcernedWith(partnershipId: number, actionIds: readonly number[], actorPersonId: number) {
    return homeViewersConcernedWith(this.db, partnershipId, actionIds, actorPersonId);
  }

  async milestonesByIds(ids: number[]) {
    const query = milestonesQuery(
      (q) =>
        q
          .where("m.id", "=", sql<number>`any(${arrayOf(ids, "int4")})`)
          .orderBy("m.due_date", (ob) => ob.asc().nullsLast())
          .orderBy("m.id"),
      Math.max(ids.length, 1),
    );
    const { items } = await queryMilestones(this.sql, boundStatement(query));
    return items;
  }

  async escalationsOf(milestoneIds: number[]) {
    const rows = await runCompiled(
      this.sql,
      compileOnly
        .selectFrom("escalation as e")
        .innerJoin("milestone as m", "m.id", "e.milestone_id")
        .innerJoin("action as a", "a.id", "m.action_id")
        .select((eb) => [
          "e.milestone_id",
          "e.level",
          "e.created_at as at",
          eb.fn
            .coalesce(
              eb
                .selectFrom("priority_role as r")
                .innerJoin("person as pe", "pe.id", "r.person_id")
                .select((e) => e.fn.agg<string[]>("array_agg", ["pe.name"]).orderBy("r.position").as("names"))
                .whereRef("r.priority_id", "=", "a.priority_id")
                .where((e) => e(e.cast<string>("r.role", "text"), "=", e.ref("e.level")))
                .$asScalar(),
              sql<string[]>`'{}'`,
            )
            .as("names"),
        ])
        .where("e.milestone_id", "=", sql<number>`any(${arrayOf(milestoneIds, "int4")})`)
        .orderBy("e.created_at"),
    );
    return rows.map((r) => ({ milestoneId: r.milestone_id, level: r.level, at: new Date(r.at), names: r.names }));
  }

  async settingsOf(personId: number) {
    const [row] = await runCompiled(this.sql, settingsAsReadQuery(personId));
    return settingsAsReadFrom(row!.settings);
  }

  async privacyOf(partnershipId: number, heldSince: Date | null) {
    const [row] = await runCompiled(this.sql, privacyAsReadQuery(partnershipId, heldSince));
    return privacyAsReadFrom(row?.privacy ?? null);
  }

  async publicationOf(partnershipId: number) {
    const [row] = await runCompiled(this.sql, publicationAsReadQuery(partnershipId));
    return row ? publicationAsReadFrom(row.publication) : null;
  }

  async partnershipCalendarOf(partnershipId: number) {
    const [row] = await runCompiled(this.sql, partnershipCalendarQuery(partnershipId));
    return row?.calendar ?? null;
  }

  async accountHolderOf(identity: PlatformIdentity) {
    const [row] = await runCompiled(this.sql, accountHolderQuery(identity));
    return row?.holder ?? null;
  }

  async identitiesOf(personId: number): Promise<PlatformIdentity[]> {
    return runCompiled(
      this.sql,
      compileOnly
        .selectFrom("platform_identity")
        .select((eb) => [eb.cast<PlatformName>("platform", "text").as("platform"), "tenant", "user_id as userId"])
        .where("person_id", "=", personId)
        .orderBy("created_at", "desc"),
    );
  }

  async markHomeOpened(identity: PlatformIdentity, at: Date): Promise<void> {
    await runCompiled(
      this.sql,
      compileOnly
        .updateTable("platform_identity")
        .set({ home_opened_at: at })
        .where("platform", "=", identity.platform)
        .where("tenant", "=", identity.tenant)
        .where("user_id", "=", identity.userId)
        .where("home_opened_at", "is", null),
    );
  }

  async findPeopleByName(partnershipId: number, name: string): Promise<Person[]> {
    return peopleNamed(this.sql, partnershipId, name);
  }

  standing(partnershipId: number, personId: number): Promise<PersonStanding> {
    return personStanding(this.sql, partnershipId, personId);
  }

  async findActionsByRef(partnershipId: number, ref: string, planKey?: string) {
    const shape = { planKey: Boolean(planKey) };
    return queryActions(this.sql, actionsByRefStatements.bind(shape, { partnershipId, ref, ...(shape.planKey ? { planKey } : {}) }));
  }

  readInvocation(partnershipId: number, who: { personId: number } | PlatformIdentity, read: SubjectRead | null, key: string | null, sight?: string) {
    return readInvocation(this.sql, partnershipId, who, read, key, sight);
  }

  async allActionRefs(partnershipId: number): Promise<string[]> {
    const rows = await this.prisma.action.findMany({ where: { plan: { partnershipId } }, select: { ref: true }, distinct: ["ref"] });
    return rows.map((r) => r.ref);
  }

  async listMilestones(partnershipId: number, filter: MilestoneFilter) {
    const shape: MilestoneListShape = {
      owner: filter.ownerId !== undefined,
      action: filter.actionId !== undefined,
      open: Boolean(filter.open),
      dueBy: Boolean(filter.dueOnOrBefore),
      dueFrom: Boolean(filter.dueOnOrAfter),
    };
    const values: MilestoneListValues = {
      partnershipId,
      ...(filter.ownerId !== undefined ? { ownerId: filter.ownerId } : {}),
      ...(filter.actionId !== undefined ? { actionId: filter.actionId } : {}),
      ...(filter.dueOnOrBefore ? { dueBy: dateFromIso(filter.dueOnOrBefore)! } : {}),
      ...(filter.dueOnOrAfter ? { dueFrom: dateFromIso(filter.dueOnOrAfter)! } : {}),
      limit: Math.min(filter.limit, MAX_LISTED),
    };
    const { items, total } = await queryMilestones(this.sql, milestoneLists.bind(shape, values));
    return { items: filter.actionId === undefined ? items.sort(compareForAttention) : items, total };
  }

  async actionsOwnedBy(partnershipId: number, personId: number) {
    const actions = await queryActions(this.sql, ownedActions.bind({}, { partnershipId, personId }));
    return actions.sort((a, b) => compareRefs(a.ref, b.ref)).slice(0, MAX_LISTED);
  }

  async actionStatesOverseenBy(partnershipId: number, personId: number) {
    const rows = await runCompiled(
      this.sql,
      compileOnly
        .selectFrom("action as a")
        .innerJoin("plan as pl", "pl.id", "a.plan_id")
        .select((eb) => [eb.cast<ActionState>("a.state", "text").as("state"), eb.fn.agg<string[]>("array_agg", ["a.ref"]).orderBy("a.id").as("refs")])
        .where("pl.partnership_id", "=", partnershipId)
        .where("pl.closed_at", "is", null)
        .where("a.priority_id", "in", (eb) => eb.selectFrom("priority_role").select("priority_id").where("person_id", "=", personId))
        .groupBy("a.state"),
    );
    return rows.map((r) => ({ state: r.state, refs: [...r.refs].sort(compareRefs) }));
  }

  /** An action's audit events, with those of the actions it was carried over from by plan refreshes. */
  async actionHistory(actionId: number, limit: number): Promise<AuditEntry[]> {
    const ids = [actionId];
    for (let from = actionId, hops = 0; hops < 20; hops++) {
      const row = await this.prisma.action.findUnique({ where: { id: from }, select: { carriedFromActionId: true } });
      if (!row?.carriedFromActionId) break;
      ids.push((from = row.carriedFromActionId));
    }
    const rows = await this.prisma.auditEvent.findMany({
      where: { actionId: { in: ids } },
      orderBy: [{ at: "desc" }, { id: "desc" }],
      take: limit,
      include: { actor: { select: { id: true, name: true } } },
    });
    return rows.reverse().map((row) => ({
      id: row.id,
      at: row.at,
      actor: row.actor,
      event: row.event,
      subjectRef: row.subjectRef,
      before: row.before,
      after: row.after,
      origin: (row.origin as AuditEntry["origin"]) ?? null,
    }));
  }

  async planSummaries(partnershipId: number): Promise<PlanSummary[]> {
    return scorecardPlans(this.db, partnershipId);
  }

  prioritySummaries(partnershipId: number, planKey?: string): Promise<PrioritySummary[]> {
    return scorecardPriorities(this.db, partnershipId, planKey);
  }

  firstSighting(partnershipId: number, key: string): Promise<boolean> {
    return sightOnce(this.sql, partnershipId, key);
  }

  once(ctx: ChangeContext, change: (tx: ChangeStore) => Promise<Reply>): Promise<Reply> {
    return changedOnce<ChangeStore>(this.sql, ctx, new PlannedStoreChanges(ctx), (tx) => new SqlChangeStore(tx, ctx), change, this.outbox);
  }
}
