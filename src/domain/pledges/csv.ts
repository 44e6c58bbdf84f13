/**
 * CSV for spreadsheets, safe to open: a cell a spreadsheet would read as a formula
 * (starting =, +, -, @, tab or carriage return; OWASP "CSV injection") is prefixed with
 * an apostrophe, and every cell is quoted, so commas, quotes and line breaks stay inside it.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: string | number | boolean | null): string {
  let text = value === null ? "" : String(value);
  if (typeof value === "string" && FORMULA_START.test(text)) text = `'${text}`;
  return `"${text.replace(/"/g, '""')}"`;
}

/** Rows joined with CRLF, as RFC 4180 has it. */
export const toCsv = (rows: readonly (readonly (string | number | boolean | null)[])[]): string =>
  rows.map((row) => row.map(csvCell).join(",")).join("\r\n") + "\r\n";

/**
 * A CSV file's contents as Curve writes every CSV file: a UTF-8 byte-order mark first, so that
 * Excel reads the file as UTF-8 and shows "Siân" and "Zoë", not "SiÃ¢n" and "ZoÃ«".
 */
export const csvFile = (csv: string): string => (csv.startsWith("\uFEFF") ? csv : `\uFEFF${csv}`);

/** A pledge's register for coordinators: everything, including names withheld from the public register. */
export function signaturesCsv(
  pledge: { id: number; title: string },
  signatures: readonly { signedAt: Date; personName: string; onBehalfOf: string; commitment: string; isPublic: boolean }[],
): string {
  return toCsv([
    ["pledge", "signed_at", "signer", "on_behalf_of", "commitment", "name_shown_publicly"],
    ...signatures.map((s) => [`P${pledge.id} ${pledge.title}`, s.signedAt.toISOString(), s.personName, s.onBehalfOf, s.commitment, s.isPublic ? "yes" : "no"]),
  ]);
}
