import { parseDue } from "../dates/due-phrase.ts";
import { err, ok, type Result } from "../result.ts";
import { plainWord, sameWords } from "../typed-text.ts";

/** Public pledges (CYPP 2011-15, attendance action 6 and the Child Friendly City programme). */
export type PledgeKind = "attendance" | "child_friendly_city" | "custom";

export const KIND_LABELS: Record<PledgeKind, string> = {
  attendance: "Attendance pledge",
  child_friendly_city: "Child Friendly City pledge",
  custom: "Pledge",
};

const KIND_WORDS: Record<string, PledgeKind> = {
  attendance: "attendance",
  cfc: "child_friendly_city",
  "child-friendly-city": "child_friendly_city",
  child_friendly_city: "child_friendly_city",
  custom: "custom",
};

// The plan: "The pledge will publicly register actions to be taken by the person/institution signing it."
export const DEFAULT_TEXT: Record<PledgeKind, string> = {
  attendance: "I pledge to help every child and young person in the city attend school every day, and I register publicly the actions I will take.",
  child_friendly_city: "I pledge to help make this a child friendly city, where every child has the best start in life and is heard, and I register publicly the actions I will take.",
  custom: "",
};

export interface PledgeView {
  id: number;
  kind: PledgeKind;
  title: string;
  text: string;
  opensAt: Date | null;
  closesAt: Date | null;
  channel: string | null;
  createdById: number | null;
}

export interface SignatureView {
  id: number;
  personId: number;
  personName: string;
  onBehalfOf: string;
  commitment: string;
  isPublic: boolean;
  signedAt: Date;
  withdrawnAt: Date | null;
}

export type FollowUpAnswer = "done" | "still_doing" | "not_yet";
export const ANSWER_LABELS: Record<FollowUpAnswer, string> = { done: "Done", still_doing: "Still doing", not_yet: "Not yet" };

export const readKind = (word: string): PledgeKind | null => KIND_WORDS[word.toLowerCase()] ?? null;

/** "P12", "#12" or "12": how people name a pledge. */
export function readPledgeId(word: string): number | null {
  const m = /^(?:p|#)?(\d{1,9})$/i.exec(plainWord(word).trim());
  return m ? Number(m[1]) : null;
}

export const pledgeName = (p: Pick<PledgeView, "id" | "title">): string => `P${p.id} · ${p.title}`;

export interface NewPledge {
  kind: PledgeKind;
  title: string;
  text: string;
  /** Phrases as typed; the command layer reads them as dates. */
  opens: string | null;
  closes: string | null;
}

export const NEW_USAGE = "/pledge new <attendance|cfc|custom> <title> | <pledge text> [| opens <date>] [| closes <date>]";

/**
 * "… every day closes end of March 2012": a date label ending a title or promise, with no "|"
 * before it, would be saved as its last words and the pledge left without that date. Returns
 * the question to ask when `part` ends with "opens", "closes", "opening" or "closing" and a
 * date straight after it (parseDue), also in brackets or before a full stop; else null. A date
 * after a preposition ("the gap closes by 2015", "closes in July") is English, not a label, and
 * is kept.
 */
function dateInside(part: string): Result<never, { message: string }> | null {
  const inside = /(?:\s|\()(opens|opening|closes|closing)\s*:?\s+(?!(?:by|in|before|until|after|at|during|within|from|when)\b)([^()]{1,60}?)\)?[.!]?$/i.exec(part);
  if (!inside || !parseDue(inside[2]!.trim()).ok) return null;
  const label = /^open/i.test(inside[1]!) ? "opens" : "closes";
  const date = inside[2]!.trim();
  return err({ message: `Did you mean the pledge ${label} ${date}? Give its dates after a "|": "… | ${label} ${date}"; to keep those words in its text, reword them.` });
}

/**
 * `/pledge new`'s text (NEW_USAGE): its kind, title, promise and optional "opens"/"closes"
 * dates, each part after a "|". Refuses, with one sentence, a missing kind or title, a date
 * given twice, a label that nearly reads as one ("closing 1/1/2013"), and a date typed at the
 * end of the title or promise without its "|" (dateInside). Dates come back as typed.
 *
 *   attendance Every day counts | I pledge … | closes end of March 2012
 */
export function parseNewPledge(text: string): Result<NewPledge, { message: string }> {
  const [first = "", ...parts] = text.split("|").map((p) => p.trim());
  const space = first.search(/\s/);
  const kind = readKind(space < 0 ? first : first.slice(0, space));
  if (!kind) return err({ message: "Say which kind of pledge first: attendance, cfc (Child Friendly City) or custom." });
  const title = space < 0 ? "" : first.slice(space + 1).trim();
  if (!title) return err({ message: "Give the pledge a title after its kind." });
  if (title.length > 150) return err({ message: "Keep a pledge's title under 150 characters." });
  const inTitle = dateInside(title);
  if (inTitle) return inTitle;
  const result: NewPledge = { kind, title, text: DEFAULT_TEXT[kind], opens: null, closes: null };
  let wroteText = false;
  for (const part of parts) {
    const date = /^(opens|closes)\s*:?\s+(.+)$/i.exec(part);
    if (date) {
      const label = date[1]!.toLowerCase() as "opens" | "closes";
      if (result[label] !== null) return err({ message: `"${label}" is given twice: give the pledge one ${label === "opens" ? "opening" : "closing"} date.` });
      result[label] = date[2]!.trim();
      continue;
    }
    // A short part after the promise that reads like a date label but is not one ("closing
    // 1/1/2013") is asked about, never saved into the promise's words or dropped.
    const nearly = /^(open|opening|opened|starts?|starting|from|close|closing|closed|ends?|ending|until|deadline)\b\s*:?\s*(.*)$/i.exec(part);
    if (wroteText && nearly && /\d/.test(nearly[2]!) && nearly[2]!.length <= 40) {
      const meant = /^(open|opening|opened|starts?|starting|from)$/i.test(nearly[1]!) ? "opens" : "closes";
      return err({ message: `Did you mean "${meant} ${nearly[2]!.trim()}"? A pledge's dates are given as "opens <date>" and "closes <date>".` });
    }
    const inside = dateInside(part);
    if (inside) return inside;
    if (part && !wroteText) [result.text, wroteText] = [part, true];
    else if (part) result.text += ` | ${part}`;
  }
  if (!result.text) return err({ message: "A custom pledge needs its text: what signers promise, after a \"|\"." });
  return ok(result);
}

export interface Signing {
  onBehalfOf: string;
  commitment: string;
  /** null when they did not say: a new signature stays private, a changed one keeps its choice. */
  isPublic: boolean | null;
}

export const SIGN_USAGE = "/pledge sign <pledge> [public | or private |] [for <organisation>:] <your commitment>   e.g. /pledge sign P3 public | I will ring every family on day one";

/** The visibility, said apart from the commitment by a "|", at its start or its end. */
const VISIBILITY: Record<string, boolean> = { public: true, private: false };
/** Words that answer "show my name?" but are not how the command says it. */
const ANSWER_WORD = /^(?:public|private|yes|y|no|n)$/i;
/** A commitment starting with one of those words could be either the answer or the commitment's first word. */
const LEADING_ANSWER = /^(public|private|yes|y|no|n)(?=$|[\s.,;:!?])/i;

const clipped = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

/**
 * `public | for Parklands Primary: we will phone every family on the first morning of absence`,
 * or the same with `| public` at the end. The choice is only ever read from a part of its own
 * between "|"s; a commitment that begins with a word that could be the choice ("No child will…",
 * "public transport…") without one is refused with both readings, never guessed.
 */
export function parseSigning(text: string, pledge = "<pledge>"): Result<Signing, { message: string }> {
  const parts = text.split("|").map((p) => p.trim());
  let isPublic: boolean | null = null;
  const choose = (part: string): string | null => {
    const word = plainWord(part).toLowerCase().replace(/[.!]$/, "");
    if (!Object.hasOwn(VISIBILITY, word)) return `Say "public" or "private" apart with a "|", not "${clipped(part, 20)}".`;
    if (isPublic !== null && isPublic !== VISIBILITY[word]) return "You said both public and private: say one of them.";
    isPublic = VISIBILITY[word]!;
    return null;
  };
  const isChoice = (part: string | undefined) => part !== undefined && ANSWER_WORD.test(plainWord(part).replace(/[.!]$/, ""));
  if (parts.length > 1 && isChoice(parts[0])) {
    const problem = choose(parts.shift()!);
    if (problem) return err({ message: problem });
  }
  let onBehalfOf = "";
  const behalf = /^(?:for|on behalf of)\s+([^:|]{1,120}):\s*/i.exec(parts[0] ?? "");
  if (behalf) {
    onBehalfOf = behalf[1]!.trim();
    parts[0] = parts[0]!.slice(behalf[0].length).trim();
    // "for Parklands: public | we will…": the choice may follow the organisation too.
    if (parts.length > 1 && isChoice(parts[0])) {
      const problem = choose(parts.shift()!);
      if (problem) return err({ message: problem });
    }
  }
  if (parts.length > 1 && isChoice(parts.at(-1))) {
    const problem = choose(parts.pop()!);
    if (problem) return err({ message: problem });
  }
  if (parts.length === 1 && isChoice(parts[0])) return err({ message: "Say what you will do: your commitment is what the pledge registers." });
  if (parts.some((p) => isChoice(p))) return err({ message: `Say "public" or "private" once, at the start or the end of what you write, set apart with a "|".` });
  const commitment = parts.join(" | ").trim();
  if (!commitment) return err({ message: "Say what you will do: your commitment is what the pledge registers." });
  if (commitment.length > 1000) return err({ message: "Keep a commitment under 1,000 characters." });
  const leading = isPublic === null ? LEADING_ANSWER.exec(plainWord(commitment))?.[1] : undefined;
  if (leading !== undefined) {
    const whole = clipped(text.trim(), 60);
    return err({
      message: `Is "${leading}" about showing your name, or part of your commitment? Say which with a "|": /pledge sign ${pledge} private | ${whole} keeps your words as typed; public | … shows your name.`,
    });
  }
  return ok({ onBehalfOf, commitment, isPublic });
}

/**
 * Which of a person's signatures on a pledge `/pledge withdraw P1 …` means, from what follows
 * the pledge: nothing (their only signature), "mine" / "myself" / "me" (the one in their own
 * name), or "for <organisation>" (the one they gave for it; case and spaces aside). Returns the
 * signature, or a sentence asking which when the words fit none or several.
 */
export function chooseWithdrawal<S extends Pick<SignatureView, "onBehalfOf">>(signed: readonly S[], words: string, pledge: string): Result<S, { message: string }> {
  const said = words.trim();
  const named = (s: S) => (s.onBehalfOf ? `for ${s.onBehalfOf}` : "in your own name");
  const choices = () => signed.map((s) => (s.onBehalfOf ? `/pledge withdraw ${pledge} for ${s.onBehalfOf}` : `/pledge withdraw ${pledge} mine`)).join(", or ");
  if (said === "") {
    if (signed.length === 1) return ok(signed[0]!);
    return err({ message: `You signed ${pledge} ${signed.length} times (${signed.map(named).join(" and ")}); say which: ${choices()}.` });
  }
  if (/^(?:mine|myself|me)$/i.test(said)) {
    const own = signed.find((s) => !s.onBehalfOf);
    return own ? ok(own) : err({ message: `You have not signed ${pledge} in your own name; you signed it ${signed.map(named).join(" and ")}.` });
  }
  const behalf = /^(?:for|on behalf of)\s+(.+)$/i.exec(said);
  if (!behalf) return err({ message: `Say which signature: ${choices() || `/pledge withdraw ${pledge}`}.` });
  // The name as written first; otherwise case and spacing aside, when that fits one signature only.
  const exact = signed.find((s) => s.onBehalfOf && s.onBehalfOf === behalf[1]!.trim());
  if (exact) return ok(exact);
  const near = signed.filter((s) => s.onBehalfOf && sameWords(s.onBehalfOf, behalf[1]!));
  if (near.length === 1) return ok(near[0]!);
  if (near.length > 1) return err({ message: `You signed ${pledge} for ${near.map((s) => s.onBehalfOf).join(" and ")}; say which as it is written: ${near.map((s) => `/pledge withdraw ${pledge} for ${s.onBehalfOf}`).join(", or ")}.` });
  return err({ message: `You have not signed ${pledge} for ${behalf[1]!.trim().slice(0, 120)}; you signed it ${signed.map(named).join(" and ")}.` });
}

/** Who a signature shows as, honouring the signer's choice. */
export function displayName(s: Pick<SignatureView, "personName" | "onBehalfOf" | "isPublic">): string {
  if (!s.isPublic) return s.onBehalfOf ? "An organisation (name withheld)" : "A partner (name withheld)";
  return s.onBehalfOf ? `${s.onBehalfOf} (signed by ${s.personName})` : s.personName;
}

/** Whether the pledge takes signatures at this instant. */
export function signingState(p: Pick<PledgeView, "opensAt" | "closesAt">, now: Date): "open" | "not_yet_open" | "closed" {
  if (p.opensAt && now < p.opensAt) return "not_yet_open";
  if (p.closesAt && now > p.closesAt) return "closed";
  return "open";
}
