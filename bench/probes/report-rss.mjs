// Preloaded with --import: reports this process's peak RSS on exit, on stderr, as JSON.
import { writeSync } from "node:fs";

process.on("exit", () => {
  writeSync(2, `\n${JSON.stringify({ maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
});
