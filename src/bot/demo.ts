import { readFileSync } from "node:fs";
import path from "node:path";
import { projectPath } from "../adapters/project-files.ts";
import { PartnershipDocumentSchema, PlanDocumentSchema, type PartnershipDocument, type PlanDocument } from "../domain/plan-document.ts";

export const DEMO_DIR = projectPath("demo", "leeds");

/** The Leeds demo: the partnership and its plans, transcribed from the seed documents. */
export function readDemo(dir = DEMO_DIR): { partnership: PartnershipDocument; plans: PlanDocument[] } {
  const read = (file: string): unknown => JSON.parse(readFileSync(path.join(dir, file), "utf8"));
  const partnership = PartnershipDocumentSchema.parse(read("partnership.json"));
  const plans = partnership.plans.map((file) => {
    const result = PlanDocumentSchema.safeParse(read(file));
    if (!result.success) throw new Error(`${file}: ${result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
    return result.data;
  });
  return { partnership, plans };
}
