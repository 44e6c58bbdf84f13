import type { Logger } from "../../commands/context.ts";
import type { Store } from "../../commands/store.ts";
import { reply, text, type Reply } from "../../domain/reply.ts";

/**
 * Which Microsoft 365 tenants Curve answers: the app registration's own tenant when it is
 * single-tenant, else the listed ones, else (a trial, the emulator) any tenant at all.
 */
export type TenantPolicy = { kind: "single"; tenant: string } | { kind: "listed"; tenants: ReadonlySet<string> } | { kind: "any" };

export function tenantPolicy(options: { appTenantId: string | undefined; allowedTenants: string[] }): TenantPolicy {
  if (options.appTenantId) return { kind: "single", tenant: options.appTenantId.toLowerCase() };
  if (options.allowedTenants.length) return { kind: "listed", tenants: new Set(options.allowedTenants.map((t) => t.toLowerCase())) };
  return { kind: "any" };
}

export const tenantAccepted = (policy: TenantPolicy, tenant: string): boolean =>
  policy.kind === "any" || (policy.kind === "single" ? policy.tenant === tenant.toLowerCase() : policy.tenants.has(tenant.toLowerCase()));

export const TENANT_REFUSED: Reply = {
  ...reply("warning", "Curve isn't available to your organisation", [
    text("This Microsoft 365 tenant is not one this Curve serves. Ask your partnership's Curve administrator."),
  ]),
  code: "unknown_partnership",
};

export const TENANT_UNBOUND: Reply = {
  ...reply("warning", "Your organisation isn't connected to a partnership yet", [
    text("Curve holds several partnerships' plans and doesn't know which is yours. Ask your Curve administrator to connect this Microsoft 365 tenant."),
  ]),
  code: "unknown_partnership",
};

export type TenantOutcome = { ok: true; partnershipId: number } | { ok: false; reply: Reply; reason: "refused" | "unbound" };

/** A tenant's partnership, checked against the policy; a lone partnership adopts each accepted tenant it meets. */
export class TenantGate {
  // Bindings never change once made, so a found one is kept; a missing one is asked for again.
  private readonly bound = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    readonly policy: TenantPolicy,
  ) {}

  async partnershipFor(tenant: string | undefined): Promise<TenantOutcome> {
    if (!tenant || !tenantAccepted(this.policy, tenant)) return { ok: false, reply: TENANT_REFUSED, reason: "refused" };
    const cached = this.bound.get(tenant);
    if (cached !== undefined) return { ok: true, partnershipId: cached };
    let partnershipId = await this.store.partnershipForTenant("teams", tenant);
    if (partnershipId === null) {
      const all = await this.store.partnerships();
      if (all.length !== 1) return { ok: false, reply: TENANT_UNBOUND, reason: "unbound" };
      partnershipId = all[0]!.id;
      await this.store.bindTenant("teams", tenant, partnershipId);
      this.log.info("teams tenant joined partnership", { tenant, partnership: all[0]!.slug });
    }
    this.bound.set(tenant, partnershipId);
    return { ok: true, partnershipId };
  }
}
