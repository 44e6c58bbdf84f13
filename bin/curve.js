#!/usr/bin/env node
// Curve runs its TypeScript sources directly through tsx, so there is no build step to forget.
import { register } from "tsx/esm/api";

register();
const { run } = await import("../src/bot/entry.ts");
await run(process.argv.slice(2));
