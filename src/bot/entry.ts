import { ConfigError } from "./config.ts";
import { main } from "./cli.ts";

/** Process edge: exit codes, and one clear sentence instead of a stack trace. */
export async function run(argv: string[]): Promise<void> {
  try {
    process.exitCode = await main(argv);
  } catch (error) {
    const known = error instanceof ConfigError || (error instanceof Error && "code" in error && typeof error.code === "string" && error.code.startsWith("migration"))
      || (error instanceof Error && (error.name === "DatabaseNewerThanCodeError" || error.name === "DataDirInUseError"));
    process.stderr.write(`curve: ${error instanceof Error ? error.message : String(error)}\n`);
    if (!known && process.env.LOG_LEVEL === "debug" && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    process.exitCode = 1;
  }
}
