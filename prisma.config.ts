// The Prisma CLI runs here on its WebAssembly engine through a driver adapter, because the
// native engines cannot be downloaded on our machines (see README, "Database").
import path from "node:path";
import { defineConfig } from "prisma/config";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join("prisma", "schema.prisma"),
  migrations: { path: path.join("prisma", "migrations") },
  // Lazy: opening a database in this file would keep the CLI process alive.
  async adapter() {
    const { PrismaPg } = await import("@prisma/adapter-pg");
    return new PrismaPg({ connectionString: process.env.DATABASE_URL ?? "postgresql://127.0.0.1:5432/postgres" });
  },
});
