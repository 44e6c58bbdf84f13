// A synthetic corpus of partnership-style texts, each with one planted identifier, for the
// personal-data guard's recall test. Every value is invented: NHS numbers come from the range
// reserved for testing (999 000 0000 to 999 999 9999) with a valid check digit.
import type { DetectorKind } from "../../src/domain/privacy/guard.ts";

export interface PlantedText {
  kind: DetectorKind;
  text: string;
  /** The planted value as it appears in the text. */
  value: string;
}

/** A small deterministic PRNG (mulberry32), so a seed gives the same corpus every run. */
export function randomSource(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const digits = (random: () => number, n: number): string => Array.from({ length: n }, () => Math.floor(random() * 10)).join("");

/** A valid NHS number in the test range: 999 plus six digits plus the modulus 11 check digit. */
export function testNhsNumber(random: () => number): string {
  for (;;) {
    const body = `999${digits(random, 6)}`;
    const sum = [...body].reduce((s, d, i) => s + Number(d) * (10 - i), 0);
    const check = 11 - (sum % 11);
    if (check === 10) continue;
    return `${body}${check === 11 ? 0 : check}`;
  }
}

const NI_FIRST = "ABCEGHJKLMNOPRSTWXYZ";
const NI_SECOND = "ABCEGHJKLMNPRSTWXYZ";
const POSTCODE_AREAS = ["LS", "BD", "WF", "HX", "HD", "YO", "M", "B", "S", "L", "NE", "SW", "E", "N", "CF", "EH", "G", "BT", "OX", "CB"];
const INWARD = "ABDEFGHJLNPQRSTUWXYZ";
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const FIRST = ["Tyler", "Amelia", "Jayden", "Olivia", "Kacper", "Aisha", "Callum", "Freya", "Reece", "Maryam", "Harvey", "Poppy", "Kian", "Leah"];
const LAST = ["Brennan", "Okafor", "Whitfield", "Nowak", "Hussain", "Lockwood", "Pemberton", "Ashworth", "Mensah", "Doyle"];

const CONTEXTS = [
  "Case review held; {x} noted on the referral form.",
  "Follow up with family - {x}",
  "Placement panel papers list {x} for the young person.",
  "Evidence: minutes of the meeting, see {x} in section 2",
  "Pledge: we will mentor pupils at the academy ({x}).",
  "Risk: details were shared by email {x} before consent",
  "{x} added to the tracker after the TAC meeting",
  "Attendance officer visited; contact {x}\nthen review in 2 weeks.",
];

type Maker = (random: () => number) => { kind: DetectorKind; value: string; lead?: string };

const MAKERS: Maker[] = [
  (r) => {
    const n = testNhsNumber(r);
    const form = pick(r, ["spaced", "plain", "hyphen", "newline", "dots"]);
    const value = form === "plain" ? n : `${n.slice(0, 3)}${{ spaced: " ", hyphen: "-", newline: "\n", dots: "." }[form]!}${n.slice(3, 6)}${{ spaced: " ", hyphen: "-", newline: "\n", dots: "." }[form]!}${n.slice(6)}`;
    return { kind: "nhs_number", value, lead: pick(r, ["NHS no ", "NHS number: ", "", "nhs ", "ref "]) };
  },
  (r) => {
    const letters = `${pick(r, [...NI_FIRST])}${pick(r, [...NI_SECOND])}`;
    const body = digits(r, 6);
    const suffix = pick(r, ["A", "B", "C", "D"]);
    const spaced = r() < 0.5;
    let value = spaced ? `${letters} ${body.slice(0, 2)} ${body.slice(2, 4)} ${body.slice(4)} ${suffix}` : `${letters}${body}${suffix}`;
    if (r() < 0.4) value = value.toLowerCase();
    return { kind: "ni_number", value, lead: pick(r, ["NI ", "NINO ", "National Insurance ", "", "mum's "]) };
  },
  (r) => {
    const [d, m, y] = [1 + Math.floor(r() * 28), 1 + Math.floor(r() * 12), 2005 + Math.floor(r() * 15)];
    const pad = (n: number) => String(n).padStart(2, "0");
    const value = pick(r, [
      `${pad(d)}/${pad(m)}/${y}`,
      `${d}/${m}/${String(y).slice(2)}`,
      `${pad(d)}-${pad(m)}-${y}`,
      `${pad(d)}.${pad(m)}.${y}`,
      `${y}-${pad(m)}-${pad(d)}`,
      `${d} ${MONTHS[m - 1]} ${y}`,
      `${d}${["st", "nd", "rd", "th"][Math.floor(r() * 4)]} ${MONTHS[m - 1]} ${y}`,
      `${d} ${MONTHS[m - 1]!.slice(0, 3)} ${y}`,
      `${MONTHS[m - 1]} ${d}, ${y}`,
      `${d}-${MONTHS[m - 1]!.slice(0, 3)}-${String(y).slice(2)}`,
    ]);
    return { kind: "date_of_birth", value, lead: pick(r, ["DOB ", "DOB: ", "d.o.b. ", "D.O.B ", "date of birth ", "Date of Birth: ", "born ", "born on ", "dob - "]) };
  },
  (r) => {
    const area = pick(r, POSTCODE_AREAS);
    const outward = `${area}${1 + Math.floor(r() * 19)}`;
    const inward = `${Math.floor(r() * 10)}${pick(r, [...INWARD])}${pick(r, [...INWARD])}`;
    let value = pick(r, [`${outward} ${inward}`, `${outward}${inward}`]);
    if (r() < 0.25) value = value.toLowerCase();
    return { kind: "postcode", value, lead: pick(r, ["lives at 14 Grange Road, ", "address ", "home postcode ", "", "moved to "]) };
  },
  (r) => {
    const area = pick(r, ["113", "114", "161", "20", "121", "1274", "1924", "131", "28"]);
    const rest = digits(r, 10 - area.length);
    const mobile = r() < 0.4;
    const nsn = mobile ? `7${digits(r, 9)}` : `${area}${rest}`;
    const split = mobile ? [nsn.slice(0, 4), nsn.slice(4)] : [nsn.slice(0, area.length), nsn.slice(area.length, area.length + 3), nsn.slice(area.length + 3)];
    const value = pick(r, [
      `0${split.join(" ")}`,
      `0${nsn}`,
      `+44 ${split.join(" ")}`,
      `+44 (0)${split.join(" ")}`,
      `+44${nsn}`,
      `(0${split[0]}) ${split.slice(1).join(" ")}`,
      `0${split.join("-")}`,
    ]);
    return { kind: "phone", value, lead: pick(r, ["tel ", "phone: ", "mob ", "call ", ""]) };
  },
  (r) => {
    const user = `${pick(r, FIRST).toLowerCase()}${pick(r, [".", "_", ""])}${pick(r, LAST).toLowerCase()}${r() < 0.3 ? digits(r, 2) : ""}`;
    const domain = pick(r, ["gmail.com", "hotmail.co.uk", "outlook.com", "yahoo.co.uk", "btinternet.com", "example.org"]);
    return { kind: "email", value: `${user}@${domain}`, lead: pick(r, ["parent's email ", "email ", "contact: ", ""]) };
  },
  (r) => {
    const name = `${pick(r, FIRST)} ${pick(r, LAST)}`;
    const value = pick(r, [name, name, `${name.split(" ")[0]} (${6 + Math.floor(r() * 10)})`]);
    const cue = pick(r, ["is a looked after child", "pupil at the school", "young person on a CP plan", "LAC review due", "child was moved"]);
    return { kind: "child_name", value, lead: `${cue}: ` };
  },
];

/**
 * `count` texts, cycling through the kinds so each gets an equal share, each with one planted
 * identifier in one of several partnership-style sentences.
 */
export function plantedCorpus(count: number, seed: number): PlantedText[] {
  const random = randomSource(seed);
  return Array.from({ length: count }, (_, i) => {
    const made = MAKERS[i % MAKERS.length]!(random);
    const planted = `${made.lead ?? ""}${made.value}`;
    const text = pick(random, CONTEXTS).replace("{x}", planted);
    return { kind: made.kind, text, value: made.value };
  });
}
