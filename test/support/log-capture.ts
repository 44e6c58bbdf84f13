import { vi } from "vitest";

/**
 * Curve's log lines while a test runs: the server writes JSON lines to stderr, which this
 * takes instead of printing. `lines` holds each line parsed (a line that is not JSON as
 * `{ notJson: line }`), `raw` everything written, as written; `restore` lets stderr print again.
 */
export function captureLog() {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    raw.push(String(chunk));
    for (const line of String(chunk).split("\n").filter(Boolean)) {
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        lines.push({ notJson: line });
      }
    }
    return true;
  });
  return { lines, raw, restore: () => spy.mockRestore() };
}
