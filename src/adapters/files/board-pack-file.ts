import type { CommandDeps } from "../../commands/context.ts";
import { readBoardPackKey } from "../../commands/report.ts";
import { buildReport } from "../../commands/report-store.ts";
import type { ReplyFile } from "../../domain/reply.ts";
import { reportFileBytes } from "./report-files.ts";

/** The bytes of a file a reply carries (a board pack), built as at the moment it was asked for. */
export async function replyFileBytes(deps: CommandDeps, partnershipId: number, file: ReplyFile): Promise<Buffer> {
  const pack = readBoardPackKey(file.key);
  if (!pack || !deps.reports) throw new Error(`no way to build the file ${file.key.slice(0, 60)}`);
  const built = await buildReport(deps.reports.store, partnershipId, "monthly", pack.at, pack.planKey, pack.period);
  return reportFileBytes(built, pack.format, { now: pack.at });
}
