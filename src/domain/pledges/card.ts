import { localDate, shortDate } from "../dates/calendar.ts";
import { plural } from "../milestone-status.ts";
import { context, fields, reply, text, type Field, type Reply } from "../reply.ts";
import type { FollowUpStage } from "./follow-up.ts";
import { KIND_LABELS, signingState, type PledgeView } from "./pledge.ts";

export interface PledgeStats {
  /** Signatures not withdrawn. */
  count: number;
  /** The latest signers who agreed to be named, newest first. */
  latestNamed: string[];
  /** Private signatures among the latest, shown only as a number. */
  latestUnnamed: number;
}

const LATEST_SHOWN = 5;

// The day in the UK, where every partnership is: an opening at midnight in British Summer Time
// is 23:00 the day before in UTC, and the card must show the day the signer is told.
const isoDay = (d: Date): string => localDate(d, "Europe/London");

/** The sign-up card a pledge's channel sees; it is updated in place as people sign. */
export function pledgeCard(pledge: PledgeView, stats: PledgeStats, now: Date): Reply {
  const state = signingState(pledge, now);
  const facts: Field[] = [{ label: "Signed", value: stats.count.toLocaleString("en-GB") }];
  if (pledge.closesAt) facts.push({ label: state === "closed" ? "Closed" : "Closes", value: shortDate(isoDay(pledge.closesAt)) });
  if (pledge.opensAt && state === "not_yet_open") facts.push({ label: "Opens", value: shortDate(isoDay(pledge.opensAt)) });
  const latest = stats.latestNamed.slice(0, LATEST_SHOWN);
  const others = stats.latestUnnamed;
  const blocks = [text(pledge.text), fields(facts)];
  if (latest.length || others) {
    const named = latest.join(", ");
    const unnamed = others ? `${named ? " and " : ""}${plural(others, "partner")} who chose not to be named` : "";
    blocks.push(context(`Latest: ${named}${unnamed}.`));
  } else {
    blocks.push(context("Be the first to sign."));
  }
  if (state === "open") {
    blocks.push({
      type: "buttons",
      buttons: [
        { actionId: "pledge.sign", label: "Sign", value: `P${pledge.id}`, style: "primary" },
        { actionId: "pledge.register", label: "Who has pledged", value: `P${pledge.id}` },
      ],
    });
  } else {
    blocks.push(context(state === "closed" ? "Signing has closed. Thank you to everyone who pledged." : "Signing has not opened yet."));
    blocks.push({ type: "buttons", buttons: [{ actionId: "pledge.register", label: "Who has pledged", value: `P${pledge.id}` }] });
  }
  // How to sign, only while /pledge sign would take it: never on a closed pledge.
  const signLine = `type /pledge sign P${pledge.id} <what you will do> to sign from anywhere`;
  blocks.push(context(state === "open" ? `P${pledge.id} · ${signLine}.` : state === "not_yet_open" ? `P${pledge.id} · from ${shortDate(isoDay(pledge.opensAt!))}, ${signLine}.` : `P${pledge.id}`));
  return { ...reply("info", `${KIND_LABELS[pledge.kind]}: ${pledge.title}`, blocks), visibility: "in_channel" };
}

/** "Did you do what you pledged?", sent through the outbox with three answers. */
export function followUpQuestion(pledge: Pick<PledgeView, "title">, signature: { id: number; commitment: string; onBehalfOf: string }, stage: FollowUpStage): Reply {
  const value = `${signature.id}.${stage}`;
  return reply("info", "Did you do what you pledged?", [
    text(`${stage} days ago you signed "${pledge.title}"${signature.onBehalfOf ? ` for ${signature.onBehalfOf}` : ""} and committed to: ${signature.commitment}`),
    {
      type: "buttons",
      buttons: [
        { actionId: "pledge.followup.done", label: "Done", value, style: "primary" },
        { actionId: "pledge.followup.still_doing", label: "Still doing", value },
        { actionId: "pledge.followup.not_yet", label: "Not yet", value },
      ],
    },
    context("Your answer is counted in the pledge's tally for coordinators; it is not shown with your name."),
  ]);
}
