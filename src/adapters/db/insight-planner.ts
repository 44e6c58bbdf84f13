import type { InsightChanges } from "../../commands/insight-store.ts";
import { NeedsTransaction, OnePlannedChange } from "./change-planner.ts";

type Args<K extends keyof InsightChanges> = Parameters<InsightChanges[K]>;
type Answer<K extends keyof InsightChanges> = ReturnType<InsightChanges[K]>;

async function refused(what: string): Promise<never> {
  throw new NeedsTransaction(what);
}

/**
 * The base of every insight planner (indicator-changes.ts, pledge-changes.ts,
 * workshop-changes.ts): each change an insight command can ask for is refused here with
 * `NeedsTransaction`, so the work runs again in a transaction (receipts.ts, `changedOnce`), and a
 * planner overrides only the changes it plans as one statement. They are prototype methods, not
 * fields, so a subclass's own methods are the ones called.
 */
export abstract class InsightChangesPlanner extends OnePlannedChange implements InsightChanges {
  recordReading(..._: Args<"recordReading">): Answer<"recordReading"> {
    return refused("an indicator's reading");
  }
  setTolerance(..._: Args<"setTolerance">): Answer<"setTolerance"> {
    return refused("an indicator's tolerance");
  }
  setTarget(..._: Args<"setTarget">): Answer<"setTarget"> {
    return refused("an indicator's target");
  }
  setForecast(..._: Args<"setForecast">): Answer<"setForecast"> {
    return refused("an indicator's forecast");
  }
  setPeriodicity(..._: Args<"setPeriodicity">): Answer<"setPeriodicity"> {
    return refused("an indicator's periodicity");
  }
  setOwner(..._: Args<"setOwner">): Answer<"setOwner"> {
    return refused("an indicator's owner");
  }
  sameDayWorkshops(..._: Args<"sameDayWorkshops">): Answer<"sameDayWorkshops"> {
    return refused("a workshop");
  }
  createWorkshop(..._: Args<"createWorkshop">): Answer<"createWorkshop"> {
    return refused("a new workshop");
  }
  addWorkshopNotes(..._: Args<"addWorkshopNotes">): Answer<"addWorkshopNotes"> {
    return refused("a workshop's notes");
  }
  readWorkshop(..._: Args<"readWorkshop">): Answer<"readWorkshop"> {
    return refused("a workshop");
  }
  createAction(..._: Args<"createAction">): Answer<"createAction"> {
    return refused("a workshop's action");
  }
  createPledge(..._: Args<"createPledge">): Answer<"createPledge"> {
    return refused("a new pledge");
  }
  sign(..._: Args<"sign">): Answer<"sign"> {
    return refused("a signature");
  }
  withdraw(..._: Args<"withdraw">): Answer<"withdraw"> {
    return refused("a signature");
  }
  answerFollowUp(..._: Args<"answerFollowUp">): Answer<"answerFollowUp"> {
    return refused("a follow-up's answer");
  }
  enqueueDelivery(..._: Args<"enqueueDelivery">): Answer<"enqueueDelivery"> {
    return refused("a delivery");
  }
}
