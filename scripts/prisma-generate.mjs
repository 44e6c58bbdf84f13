// Generates the Prisma client on install. The Prisma 6 CLI needs DATABASE_URL to read the
// schema (even to generate), so a placeholder is passed when none is set; nothing connects.
import { spawnSync } from "node:child_process";

const env = {
  ...process.env,
  DATABASE_URL: process.env.DATABASE_URL || "postgresql://localhost/unused",
  PRISMA_HIDE_UPDATE_MESSAGE: "1",
};
const result = spawnSync("npx", ["--no-install", "prisma", "generate"], { stdio: "inherit", env });
process.exit(result.status ?? 1);
