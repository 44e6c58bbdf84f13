// The baseline for memory: PGlite alone, opening the same data directory and reading from it.
import { PGlite } from "@electric-sql/pglite";

const db = await PGlite.create(process.argv[2]);
await db.query("SELECT count(*) FROM milestone");
await db.close();
