// The baseline for cold start: a process that opens PGlite on a data directory, reads from it,
// and shows a prompt, as `curve shell` does; it exits when its input ends.
import { PGlite } from "@electric-sql/pglite";

const db = await PGlite.create(process.argv[2]);
await db.query("SELECT count(*) FROM milestone");
process.stdout.write("pglite> ");
process.stdin.resume();
process.stdin.on("end", async () => {
  await db.close();
  process.exit(0);
});
