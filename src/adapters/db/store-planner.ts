import type { ChangeStore } from "../../commands/store.ts";
import { PlannedLinkChange } from "./identity-link.ts";
import { PlannedChanges } from "./milestone-changes.ts";
import { PlannedRegionChange } from "./partnership-calendar.ts";
import { PlannedSettingsChange } from "./person-settings.ts";
import { PlannedChannelChange } from "./priority-channel.ts";
import { PlannedPrivacyChange } from "./privacy-policy.ts";
import { PlannedPublicationChange } from "./publication.ts";

type Args<K extends keyof ChangeStore> = Parameters<ChangeStore[K]>;
type Answer<K extends keyof ChangeStore> = ReturnType<ChangeStore[K]>;

/**
 * The planner PrismaStore.once gives a change's work (receipts.ts, `changedOnce`): a milestone's
 * or an action's change as `PlannedChanges` plans it, and a person's settings, a priority's
 * channel, the guard's policy, a web section, the partnership's calendar and a linked account
 * as the planner named after that data plans it.
 * (They live apart from milestone-changes.ts, which each of them imports.) Every other change
 * needs a transaction.
 */
export class PlannedStoreChanges extends PlannedChanges {
  override updateSettings(...args: Args<"updateSettings">): Answer<"updateSettings"> {
    return this.planBy(new PlannedSettingsChange(this.ctx), (planner) => planner.updateSettings(...args));
  }

  override setPriorityChannel(...args: Args<"setPriorityChannel">): Answer<"setPriorityChannel"> {
    return this.planBy(new PlannedChannelChange(this.ctx), (planner) => planner.setPriorityChannel(...args));
  }

  override setPrivacyPolicy(...args: Args<"setPrivacyPolicy">): Answer<"setPrivacyPolicy"> {
    return this.planBy(new PlannedPrivacyChange(this.ctx), (planner) => planner.setPrivacyPolicy(...args));
  }

  override setSectionPublished(...args: Args<"setSectionPublished">): Answer<"setSectionPublished"> {
    return this.planBy(new PlannedPublicationChange(this.ctx), (planner) => planner.setSectionPublished(...args));
  }

  override setPartnershipRegion(...args: Args<"setPartnershipRegion">): Answer<"setPartnershipRegion"> {
    return this.planBy(new PlannedRegionChange(this.ctx), (planner) => planner.setPartnershipRegion(...args));
  }

  override linkIdentity(...args: Args<"linkIdentity">): Answer<"linkIdentity"> {
    return this.planBy(new PlannedLinkChange(this.ctx), (planner) => planner.linkIdentity(...args));
  }
}
