import type { Person, PlatformName } from "../domain/model.ts";
import { context, reply, text, type Reply } from "../domain/reply.ts";
import type { PlatformIdentity, Store } from "./store.ts";

export type Identification = { kind: "known"; person: Person } | { kind: "unknown"; reply: Reply };

const PLATFORM_NAMES: Record<PlatformName, string> = { slack: "Slack", teams: "Teams", shell: "shell" };

/**
 * Who a platform user is: a remembered identity, or else the person whose email matches
 * the one on their platform profile, remembered from then on (and audited). `remembered`
 * reads the identity (by default `findPersonByIdentity`; a caller may read more with it).
 */
export async function identifyPlatformUser(
  store: Store,
  partnershipId: number,
  identity: PlatformIdentity,
  lookupEmail: () => Promise<string | null>,
  now: Date,
  remembered: () => Promise<Person | null> = () => store.findPersonByIdentity(partnershipId, identity),
): Promise<Identification> {
  const known = await remembered();
  if (known) return { kind: "known", person: known };
  const email = await lookupEmail();
  const person = email ? await store.findPersonByEmail(partnershipId, email) : null;
  if (!person) return { kind: "unknown", reply: unknownUserReply(identity.platform, email) };
  await store.once(
    {
      partnershipId,
      actor: person,
      origin: { platform: identity.platform, tenant: identity.tenant, channel: "profile" },
      idempotencyKey: `identify:${identity.platform}:${identity.tenant}:${identity.userId}`,
      at: now,
    },
    async (tx) => {
      await tx.linkIdentity(person, identity);
      return reply("info", `Linked ${identity.userId} to ${person.name}`);
    },
  );
  return { kind: "known", person };
}

export function unknownUserReply(platform: PlatformName, email: string | null): Reply {
  const where = PLATFORM_NAMES[platform];
  return {
    ...reply("warning", "Curve doesn't know who you are yet", [
      text(
        email
          ? `The email on your ${where} profile (${email}) is not on any of the partnership's plans.`
          : `Curve couldn't read an email address from your ${where} profile.`,
      ),
      context("Ask a coordinator to link you: /curve link @you <your name as it appears in the plan>."),
    ]),
    code: "not_linked",
  };
}
