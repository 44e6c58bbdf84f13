import { readFileSync } from "node:fs";
import { projectPath } from "../project-files.ts";

const PLACEHOLDER = "https://curve.example.org";

/** manifests/slack.yaml with Curve's public address in place of the placeholder. */
export function slackManifest(baseUrl: string): string {
  const url = new URL(baseUrl);
  if (url.protocol !== "https:") throw new Error("Slack needs an https:// address for Curve, e.g. https://curve.example.org");
  const origin = `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
  return readFileSync(projectPath("manifests", "slack.yaml"), "utf8").replaceAll(PLACEHOLDER, origin);
}
