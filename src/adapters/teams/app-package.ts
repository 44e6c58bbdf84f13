import { zipSync, type Zippable } from "fflate";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { projectPath } from "../project-files.ts";
import { TEAMS_MESSAGES_PATH } from "./messages-endpoint.ts";

/** manifests/teams: the app manifest (with placeholders) and its two icons. */
export const MANIFEST_DIR = projectPath("manifests", "teams");
const ICONS = ["color.png", "outline.png"] as const;

const USAGE = "Usage: curve manifest teams --app-id <Microsoft App ID> --url https://<Curve's host> [--zip <file>]";
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface PackageSettings {
  /** The bot's Azure registration (MICROSOFT_APP_ID); it is the Teams app's id too. */
  appId: string;
  /** Where Curve is served, e.g. https://curve.example.org. */
  url: URL;
}

/** The manifest with the app id and Curve's address filled in. */
export function buildManifest(settings: PackageSettings): Record<string, unknown> {
  const base = settings.url.href.replace(/\/+$/, "");
  const values: Record<string, string> = { MICROSOFT_APP_ID: settings.appId.toLowerCase(), CURVE_URL: base, CURVE_HOST: settings.url.host };
  const fill = (node: unknown): unknown => {
    if (typeof node === "string") return node.replace(/\{\{(\w+)\}\}/g, (placeholder, name: string) => values[name] ?? placeholder);
    if (Array.isArray(node)) return node.map(fill);
    if (node !== null && typeof node === "object") return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, fill(v)]));
    return node;
  };
  return fill(JSON.parse(readFileSync(path.join(MANIFEST_DIR, "manifest.json"), "utf8"))) as Record<string, unknown>;
}

// A fixed date in the entries, so the same settings always give the same package, byte for byte.
const PACKAGE_DATE = new Date(Date.UTC(2026, 0, 1));

/** The app package Teams admin centre takes: manifest.json and the icons at the root of a zip (deflated, by fflate). */
export function buildAppPackage(settings: PackageSettings): Buffer {
  const files: Zippable = {
    "manifest.json": new TextEncoder().encode(`${JSON.stringify(buildManifest(settings), null, 2)}\n`),
    ...Object.fromEntries(ICONS.map((icon) => [icon, new Uint8Array(readFileSync(path.join(MANIFEST_DIR, icon)))])),
  };
  return Buffer.from(zipSync(files, { level: 9, mtime: PACKAGE_DATE }));
}

/**
 * `curve manifest teams --app-id <id> --url https://… [--zip out.zip]`: writes the app
 * package, or prints the manifest. Returns the exit code: 0, 1 (could not write), 2 (usage).
 */
export async function teamsManifestCommand(
  args: string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  const usage = (problem: string) => {
    err.write(`${problem}\n${USAGE}\n`);
    return 2;
  };
  let values: { "app-id"?: string; url?: string; zip?: string };
  try {
    ({ values } = parseArgs({ args, options: { "app-id": { type: "string" }, url: { type: "string" }, zip: { type: "string" } }, strict: true }));
  } catch (error) {
    return usage(error instanceof Error ? error.message : String(error));
  }
  if (!values["app-id"] || !GUID.test(values["app-id"])) {
    return usage("--app-id must be the bot's Microsoft App ID, a GUID such as 0b3c6c8f-6e2a-4d4f-9a59-3c1a2b7e9d10.");
  }
  let url: URL;
  try {
    url = new URL(values.url ?? "");
  } catch {
    return usage("--url must be the address Curve is served at, e.g. https://curve.example.org");
  }
  if (url.protocol !== "https:") return usage("--url must be https: Teams only talks to bots over HTTPS.");
  const settings = { appId: values["app-id"], url };
  const endpoint = `${url.origin}${TEAMS_MESSAGES_PATH}`;
  if (!values.zip) {
    out.write(`${JSON.stringify(buildManifest(settings), null, 2)}\n`);
    return 0;
  }
  try {
    writeFileSync(values.zip, buildAppPackage(settings));
  } catch (error) {
    err.write(`curve could not write ${values.zip}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  out.write(
    `Wrote ${values.zip} (manifest.json, ${ICONS.join(", ")}).\n` +
      `Upload it in the Teams admin centre (Teams apps > Manage apps > Upload new app), and set the bot's messaging endpoint in Azure to ${endpoint}\n`,
  );
  return 0;
}
