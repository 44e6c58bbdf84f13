// "/board/<token>": a board link's token grants the full scorecard until it expires.
const BOARD_TOKEN = /\/board\/[^/?#\s"']+/gi;

/** Text with every board link's token replaced by "…" (`/board/…/plans/x`), wherever it appears. */
export function redactBoardTokens(text: string): string {
  return text.replace(BOARD_TOKEN, "/board/…");
}

/**
 * An address as the log may hold it: the path only (a query string may carry a file's key or a
 * signed token), with any board link's token taken out, and at most 200 characters. Every log
 * line that carries a request's address writes it through this.
 */
export function logPath(url: string): string {
  return redactBoardTokens(url.split("?")[0]!).slice(0, 200);
}
