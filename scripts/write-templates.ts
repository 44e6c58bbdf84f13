// Writes templates/plan.xlsx and one CSV a sheet from src/adapters/files/plan-template.ts.
import { writeFileSync } from "node:fs";
import { PLAN_TEMPLATE } from "../src/adapters/files/plan-template.ts";
import { sheetCsv, writeWorkbook } from "../src/adapters/files/write-workbook.ts";
import { SHEETS } from "../src/domain/workbook/columns.ts";

await writeWorkbook("templates/plan.xlsx", PLAN_TEMPLATE);
for (const sheet of PLAN_TEMPLATE) writeFileSync(`templates/plan-${SHEETS[sheet.kind].name.toLowerCase()}.csv`, sheetCsv(sheet));
process.stdout.write(`Wrote templates/plan.xlsx and ${PLAN_TEMPLATE.length} CSVs.\n`);
