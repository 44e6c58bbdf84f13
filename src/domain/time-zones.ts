import { closestRefs } from "./refs.ts";
import { plainWord } from "./typed-text.ts";
import { err, ok, type Result } from "./result.ts";

/**
 * Time zones a person may set. Only canonical IANA names are stored ("Europe/London",
 * "Pacific/Auckland"), in their canonical case. The names people in England type for
 * their own clock (BST, GMT, UK, London) mean Europe/London: Node would read "BST" as
 * Asia/Dhaka and "GMT" as UTC with no summer time. Any other abbreviation or bare city is
 * refused with a suggestion, since "IST" or "CST" name several zones.
 */
export type TimeZoneError = { message: string };

const LONDON = "Europe/London";
const MEANS_LONDON = new Set(["bst", "gmt", "uk", "u.k.", "london", "british summer time", "greenwich mean time", "gb", "great britain", "britain", "united kingdom", "england", "wales", "gmt/bst", "uk time", "london time"]);

// Abbreviations people use elsewhere: suggested, never stored.
const SUGGEST: Record<string, string> = {
  utc: "Etc/UTC", z: "Etc/UTC", cet: "Europe/Paris", cest: "Europe/Paris", eet: "Europe/Athens", ist: "Europe/Dublin or Asia/Kolkata",
  est: "America/New_York", edt: "America/New_York", cst: "America/Chicago", cdt: "America/Chicago", mst: "America/Denver",
  pst: "America/Los_Angeles", pdt: "America/Los_Angeles", aest: "Australia/Sydney", nzst: "Pacific/Auckland", nzdt: "Pacific/Auckland",
  ireland: "Europe/Dublin", dublin: "Europe/Dublin", belfast: "Europe/London", scotland: "Europe/London", edinburgh: "Europe/London",
};

let zones: readonly string[] | null = null;
function allZones(): readonly string[] {
  zones ??= [...Intl.supportedValuesOf("timeZone"), "Etc/UTC"];
  return zones;
}

/** The canonical name of a zone Intl knows ("Asia/Calcutta" → "Asia/Kolkata"), or null. */
function canonical(name: string): string | null {
  try {
    return new Intl.DateTimeFormat("en-GB", { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

// ICU (and so Node's Intl) canonicalises to CLDR's names, some of which IANA has since
// renamed (tzdata's "backward" file): Curve stores IANA's current name, which Intl also accepts.
const IANA_CURRENT: Record<string, string> = {
  "Asia/Calcutta": "Asia/Kolkata", "Asia/Katmandu": "Asia/Kathmandu", "Asia/Saigon": "Asia/Ho_Chi_Minh", "Asia/Rangoon": "Asia/Yangon",
  "Europe/Kiev": "Europe/Kyiv", "Europe/Uzhgorod": "Europe/Kyiv", "Europe/Zaporozhye": "Europe/Kyiv", "Atlantic/Faeroe": "Atlantic/Faroe",
  "America/Godthab": "America/Nuuk", "Pacific/Truk": "Pacific/Chuuk", "Pacific/Ponape": "Pacific/Pohnpei", "Pacific/Enderbury": "Pacific/Kanton",
  "Africa/Asmera": "Africa/Asmara", "America/Coral_Harbour": "America/Atikokan", "America/Indianapolis": "America/Indiana/Indianapolis",
  "America/Louisville": "America/Kentucky/Louisville", "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
  "America/Catamarca": "America/Argentina/Catamarca", "America/Cordoba": "America/Argentina/Cordoba", "America/Jujuy": "America/Argentina/Jujuy",
  "America/Mendoza": "America/Argentina/Mendoza", "Asia/Ulan_Bator": "Asia/Ulaanbaatar", "Australia/Currie": "Australia/Hobart",
};
const currentName = (zone: string): string => IANA_CURRENT[zone] ?? zone;

/**
 * Reads what a person typed as a time zone into the IANA name Curve stores, or one sentence
 * saying why not with a suggestion. "BST", "gmt", "UK", "London" and "europe/london" give
 * "Europe/London"; "Pacific/auckland" gives "Pacific/Auckland"; "EST", "Paris" and "Mars/Base" are refused.
 */
export function readTimeZone(typed: string): Result<string, TimeZoneError> {
  // Quotes around the name and a full stop after it (the iOS double space) are not part of it.
  const text = plainWord(typed).trim().replace(/\s+/g, " ").replace(/^["'‘’“”(]+|["'‘’“”).,;:!?…]+$/g, "").trim();
  const key = text.toLowerCase();
  if (!text) return err({ message: "Say which time zone, like Europe/London." });
  if (MEANS_LONDON.has(key)) return ok(LONDON);
  if (text.includes("/") && /^[A-Za-z0-9_+\-/ ]+$/.test(text)) {
    const wanted = key.replace(/ /g, "_");
    const match = allZones().find((z) => z.toLowerCase() === wanted);
    const known = match ?? canonical(text.replace(/ /g, "_"));
    // Only Area/Location names: "Etc/GMT+5" style zones are inverted and confuse everyone.
    if (known && known.includes("/") && !known.startsWith("Etc/GMT")) return ok(currentName(canonical(known) ?? known));
  }
  const suggestion = SUGGEST[key] ?? suggestZone(text);
  const shown = text.slice(0, 40);
  return err({
    message: suggestion
      ? `"${shown}" is not a time zone Curve can store; use a name like ${suggestion}.`
      : `"${shown}" is not a time zone Curve can store; use an Area/City name like Europe/London or Pacific/Auckland.`,
  });
}

/** The zone whose city part is closest to what was typed ("Paris" → Europe/Paris). */
function suggestZone(text: string): string | null {
  const city = text.split("/").at(-1)!.replace(/ /g, "_");
  const byCity = new Map(allZones().filter((z) => z.includes("/")).map((z) => [z.split("/").at(-1)!, z]));
  const [best] = closestRefs(city, [...byCity.keys()], 1);
  return best ? currentName(byCity.get(best)!) : null;
}
