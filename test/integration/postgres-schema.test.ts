import { afterAll, describe, expect, it } from "vitest";
import { migrate } from "../../src/adapters/db/migrator.ts";
import { openDatabase, type Database } from "../../src/adapters/db/open-database.ts";
import { postgresUrlWithSchema, uniqueName } from "../support/databases.ts";

// DATABASE_URL's ?schema=: made when missing, used as it is when there.
describe.runIf(Boolean(process.env.DATABASE_URL))("the schema DATABASE_URL names", () => {
  const cleanUp: string[] = [];
  const admin = () => openDatabase({ databaseUrl: process.env.DATABASE_URL!, dataDir: "unused", poolSize: 2 });
  afterAll(async () => {
    const db = await admin();
    for (const statement of cleanUp.reverse()) await db.sql.query(statement).catch(() => undefined);
    await db.close();
  });

  it("is made once when several instances open a missing one at the same moment", async () => {
    for (let round = 0; round < 5; round++) {
      const schema = uniqueName("curve_new");
      cleanUp.push(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      const opened = await Promise.allSettled(Array.from({ length: 8 }, () => openDatabase({ databaseUrl: postgresUrlWithSchema(schema), dataDir: "unused", poolSize: 1 })));
      const dbs = opened.flatMap((o) => (o.status === "fulfilled" ? [o.value] : []));
      await Promise.all(dbs.map((db) => db.close()));
      expect(opened.filter((o) => o.status === "rejected").map((o) => String((o as PromiseRejectedResult).reason))).toEqual([]);
    }
  }, 60_000);

  it("is used by a role that owns it but may not create schemas in the database", async () => {
    const schema = uniqueName("curve_owned");
    const role = uniqueName("curve_owner");
    const db = await admin();
    try {
      await db.sql.query(`CREATE ROLE ${role} LOGIN`);
      cleanUp.push(`DROP ROLE IF EXISTS ${role}`, `DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await db.sql.query(`CREATE SCHEMA "${schema}" AUTHORIZATION ${role}`);
      const [privilege] = await db.sql.query<{ may: boolean }>(`SELECT has_database_privilege($1, current_database(), 'CREATE') AS may`, [role]);
      expect(privilege?.may).toBe(false);
    } finally {
      await db.close();
    }
    const url = new URL(postgresUrlWithSchema(schema));
    url.username = role;
    url.password = "";
    let owned: Database | undefined;
    try {
      owned = await openDatabase({ databaseUrl: url.toString(), dataDir: "unused", poolSize: 2 });
      const report = await migrate(owned.sql);
      expect(report.applied.length).toBeGreaterThan(0);
    } finally {
      await owned?.close();
    }
  }, 60_000);
});
