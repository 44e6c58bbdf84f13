import type { ActionView, Person } from "./model.ts";

export type ChangePermission = { allowed: true; because: string } | { allowed: false; whoCan: string };

/**
 * Anyone in the partnership may read. Only an action's owners (or members of an owning
 * team), its priority's sponsors or leads, a coordinator or an admin may change it.
 */
export function actionChangePermission(actor: Person, action: ActionView): ChangePermission {
  const owns = action.owners.some((owner) =>
    owner.kind === "person" ? owner.person.id === actor.id : owner.memberIds.includes(actor.id),
  );
  if (owns) return { allowed: true, because: "owner" };
  if (action.priority?.sponsors.some((p) => p.id === actor.id)) return { allowed: true, because: "sponsor" };
  if (action.priority?.leads.some((p) => p.id === actor.id)) return { allowed: true, because: "lead" };
  if (actor.roles.includes("coordinator")) return { allowed: true, because: "coordinator" };
  if (actor.roles.includes("admin")) return { allowed: true, because: "admin" };
  return { allowed: false, whoCan: describeWhoCan(action) };
}

function describeWhoCan(action: ActionView): string {
  const parts: string[] = [];
  const owners = action.owners.map((o) => (o.kind === "person" ? o.person.name : `members of ${o.name}`));
  if (owners.length > 0) parts.push(`its ${owners.length > 1 ? "owners" : "owner"} (${joinNames(owners)})`);
  const sponsors = action.priority?.sponsors.map((p) => p.name) ?? [];
  if (sponsors.length > 0) parts.push(`the priority's CTB ${sponsors.length > 1 ? "sponsors" : "sponsor"} (${joinNames(sponsors)})`);
  const leads = action.priority?.leads.map((p) => p.name) ?? [];
  if (leads.length > 0) parts.push(`its ${leads.length > 1 ? "leads" : "lead"} (${joinNames(leads)})`);
  parts.push("a coordinator", "an admin");
  return `${action.ref} can be changed by ${joinNames(parts, "or")}.`;
}

export function joinNames(names: readonly string[], conjunction = "and"): string {
  if (names.length <= 1) return names[0] ?? "";
  return `${names.slice(0, -1).join(", ")} ${conjunction} ${names[names.length - 1]}`;
}
