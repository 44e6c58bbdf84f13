import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { projectPath } from "../../src/adapters/project-files.ts";
import {
  DEFAULT_GUARD_POLICY, checkPersonalData, describeFindings, guardPolicyFrom, isValidNhsNumber, withoutFindings,
  type DetectorKind, type KnownToPartnership,
} from "../../src/domain/privacy/guard.ts";
import { plantedCorpus, testNhsNumber, randomSource } from "../support/planted-identifiers.ts";

const nobody: KnownToPartnership = { emails: new Set(), names: [] };
const kindsIn = (text: string, known = nobody) => checkPersonalData(text, known).findings.map((f) => f.kind);

describe("the detectors, one kind at a time", () => {
  it.each<[string, DetectorKind[]]>([
    // NHS numbers: modulus 11, spaced 3-3-4 or not; a bad check digit is just a number.
    ["Evidence: referral for 943 476 5919 sent", ["nhs_number"]],
    ["nhs 9434765919", ["nhs_number"]],
    ["NHS no 943-476-5919", ["nhs_number"]],
    ["943 476 5918 is not valid", []],
    ["The budget is 1234567890 pence", []],
    // However it is grouped or punctuated after "NHS", as people copy it from a letter or a form.
    ["NHS number 9434 765 919", ["nhs_number"]],
    ["nhs 94347 65919", ["nhs_number"]],
    ["NHS: 9 4 3 4 7 6 5 9 1 9", ["nhs_number"]],
    ["NHS no 943/476/5919", ["nhs_number"]],
    ["NHS#943_476_5919", ["nhs_number"]],
    ["NHS 9434 765 918 has a bad check digit", []],
    ["NHS trusts: 12 34 56 78 90", []],
    ["NHS England 2011/12 2012/13", []],
    // Copied from a web page or typed on a full-width keyboard: invisible characters and full-width digits.
    ["referral 943\u200b476\u200b5919", ["nhs_number"]],
    ["referral 943\u00ad476\u00ad5919", ["nhs_number"]],
    ["NHS：９４３４７６５９１９", ["nhs_number"]],
    // National Insurance numbers, any case, spaced or not.
    ["NI AB 12 34 56 C", ["ni_number"]],
    ["ni number ab123456c on file", ["ni_number"]],
    ["National Insurance: JT 98 76 54", ["ni_number"]],
    ["Project code AB123456 approved", []],
    // Dates of birth need their cue.
    ["DOB 14/03/2012", ["date_of_birth"]],
    ["born on 3rd March 2011, referred by school", ["date_of_birth"]],
    ["Date of birth: 2012-07-09", ["date_of_birth"]],
    ["d.o.b. 4.7.09", ["date_of_birth"]],
    ["DOB 2012/03/14", ["date_of_birth"]],
    ["born 2012-3-14", ["date_of_birth"]],
    ["DOB 14032012", ["date_of_birth"]],
    ["DOB 14 03 2012", ["date_of_birth"]],
    ["DOB—14/03/2012", ["date_of_birth"]],
    ["born in 14/03/2012 at the LGI", ["date_of_birth"]],
    ["birthday 14/03/2012", ["date_of_birth"]],
    ["d.o.b 14th Mar '12", ["date_of_birth"]],
    ["date-of-birth 14/03/2012", ["date_of_birth"]],
    ["Sept '12 review of 14 cases", []],
    ["DOB 99999999 on the form", []],
    ["Born in Bradford cohort 2007 to 2011", []],
    ["Delivered by 14/03/2012", []],
    ["stubborn challenges from 2011", []],
    // Postcodes, upper or lower case, spaced or not; ordinals and key stages are not postcodes.
    ["moved to LS9 7QJ last week", ["postcode"]],
    ["address bd71ab", ["postcode"]],
    ["KS2 3rd quartile; Y6 7th place", []],
    // Phone numbers in the forms people write.
    ["call 0113 222 4444 after 4", ["phone"]],
    ["tel +44 (0)113 222 4444", ["phone"]],
    ["mob 07700 900123", ["phone"]],
    ["(0113) 378 5000", ["phone"]],
    ["+447700900123", ["phone"]],
    ["0-19 years, 2011 to 2015", []],
    // Emails: the partnership's own are exempt.
    ["sent to kerry.parent@gmail.com", ["email"]],
    // Names next to child-case words ask; alone they don't.
    ["Tyler Brennan is a looked after child in Bradford", ["child_name"]],
    ["Tyler Brennan chaired the partnership meeting", []],
  ])("%s", (text, expected) => {
    expect(kindsIn(text)).toEqual(expected);
  });

  it("exempts the partnership's own people and their addresses", () => {
    const known: KnownToPartnership = { emails: new Set(["jackie.wilson@leeds.gov.uk"]), names: ["Jackie Wilson", "Tyler Brennan"] };
    expect(kindsIn("Jackie Wilson to email jackie.wilson@leeds.gov.uk about the LAC review", known)).toEqual([]);
    expect(kindsIn("Tyler Brennan to update the looked after children plan", known)).toEqual([]);
    expect(kindsIn("send it to Jackie.Wilson@Leeds.gov.uk", known)).toEqual([]);
  });

  it("checks NHS numbers with the modulus 11 rule, including the check digit 0 and the impossible 10", () => {
    expect(isValidNhsNumber("9434765919")).toBe(true);
    expect(isValidNhsNumber("4010232137")).toBe(true);
    expect(isValidNhsNumber("9434765910")).toBe(false);
    const random = randomSource(7);
    for (let i = 0; i < 200; i++) expect(isValidNhsNumber(testNhsNumber(random))).toBe(true);
  });
});

describe("verdicts, masking and removal", () => {
  it("blocks when any finding blocks, asks when all ask, and is clear otherwise", () => {
    expect(checkPersonalData("DOB 14/03/2012, lives at LS9 7QJ", nobody).outcome).toBe("block");
    expect(checkPersonalData("Office at LS9 7QJ", nobody).outcome).toBe("ask");
    expect(checkPersonalData("ATT-4.1 model agreed at cluster chairs", nobody).outcome).toBe("clear");
  });

  it("follows the partnership's policy: off detectors find nothing, ask can replace block", () => {
    const policy = guardPolicyFrom({ postcode: "off", nhs_number: "ask", bogus: "block" });
    expect(checkPersonalData("Office at LS9 7QJ", nobody, policy).outcome).toBe("clear");
    expect(checkPersonalData("nhs 943 476 5919", nobody, policy).outcome).toBe("ask");
    expect(policy.email).toBe(DEFAULT_GUARD_POLICY.email);
  });

  it("shows what it found masked, never the value", () => {
    const text = "referral 943 476 5919, DOB 14/03/2012, mum kerry.parent@gmail.com";
    const { findings } = checkPersonalData(text, nobody);
    const shown = describeFindings(findings).join("; ");
    expect(shown).toContain("an NHS number");
    expect(shown).toContain("a date of birth");
    expect(shown).not.toMatch(/943 476|5919|14\/03|kerry\.parent/);
    expect(findings.map((f) => f.masked)).toEqual(["••• ••• ••19", "••/••/••12", "k•••@gmail.com"]);
  });

  it("masks a full-width number as it masks an ordinary one, and removes it from the text as typed", () => {
    const text = "NHS：９４３４７６５９１９ seen";
    const { findings } = checkPersonalData(text, nobody);
    expect(findings.map((f) => f.masked)).toEqual(["••••••••19"]);
    expect(withoutFindings(text, findings)).toBe("NHS：[removed] seen");
  });

  it("finds a phone number from its first digit or bracket, not the space before it", () => {
    const found = (text: string) => checkPersonalData(text, nobody).findings.map((f) => [text.slice(f.start, f.end), f.masked]);
    expect(found("Call the parent on 0113 496 0123")).toEqual([["0113 496 0123", "•••• ••• ••23"]]);
    expect(found("Call the parent on (0113) 496 0123")).toEqual([["(0113) 496 0123", "(••••) ••• ••23"]]);
  });

  it("removes exactly the found parts", () => {
    const text = "Visit done, NHS 943 476 5919, see notes";
    const { findings } = checkPersonalData(text, nobody);
    expect(withoutFindings(text, findings)).toBe("Visit done, NHS [removed], see notes");
    expect(checkPersonalData(withoutFindings(text, findings), nobody).outcome).toBe("clear");
  });
});

/** Every string in the demo's plan files: actions, milestones, targeting, notes, indicators. */
function demoTexts(): { texts: string[]; known: KnownToPartnership } {
  const dir = projectPath("demo/leeds");
  const texts: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === "string") texts.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") Object.values(v).forEach(walk);
  };
  const people: { name: string; email?: string }[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".json"))) {
    const document = JSON.parse(readFileSync(path.join(dir, file), "utf8")) as { people?: { name: string; email?: string }[] };
    people.push(...(document.people ?? []));
    // People's own names and emails are the partnership's, not case details: leave them out of the texts.
    walk({ ...document, people: [] });
  }
  return { texts, known: { emails: new Set(people.flatMap((p) => (p.email ? [p.email.toLowerCase()] : []))), names: people.map((p) => p.name) } };
}

describe("precision on the partnership's own documents", () => {
  it("finds nothing in any action, milestone, note or indicator text of the demo plans", () => {
    const { texts, known } = demoTexts();
    expect(texts.length).toBeGreaterThan(500);
    const flagged = texts.filter((t) => checkPersonalData(t, known).outcome !== "clear");
    expect(flagged).toEqual([]);
  });

  it("finds nothing in the source documents but the council's own published address", () => {
    const { known } = demoTexts();
    const dir = projectPath("demo/leeds/sources");
    const flagged: string[] = [];
    for (const file of readdirSync(dir)) {
      for (const line of readFileSync(path.join(dir, file), "utf8").split("\n")) {
        for (const f of checkPersonalData(line, known).findings) flagged.push(`${f.kind}: ${line.slice(f.start, f.end)}`);
      }
    }
    expect(flagged).toEqual([]);
  });
});

describe("recall on planted identifiers", () => {
  const corpus = plantedCorpus(1400, 20261130);

  it("catches at least 99% of 1,400 planted identifiers, each as its own kind", () => {
    const missed = corpus.filter((p) => {
      const found = checkPersonalData(p.text, nobody).findings;
      const at = p.text.indexOf(p.value);
      return !found.some((f) => f.kind === p.kind && f.start < at + p.value.length && f.end > at);
    });
    const recall = 1 - missed.length / corpus.length;
    const examples = missed.slice(0, 10).map((m) => `${m.kind}: ${JSON.stringify(m.text)}`).join("\n");
    expect(recall, `missed ${missed.length}:\n${examples}`).toBeGreaterThanOrEqual(0.99);
  });

  it("has every kind in the corpus in equal measure", () => {
    const counts = new Map<string, number>();
    for (const p of corpus) counts.set(p.kind, (counts.get(p.kind) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual([...Object.keys(DEFAULT_GUARD_POLICY)].sort());
    expect(Math.min(...counts.values())).toBe(200);
  });
});
