import type { NextFunction, Request, Response } from "express";

/** Slack allows five minutes of clock skew; Bolt refuses older requests, this refuses newer ones. */
export const MAX_SKEW_SECONDS = 300;

/**
 * Refuses a request whose timestamp is in the future or missing before Bolt reads it: a
 * signature over a future timestamp would otherwise stay replayable for as long as the
 * attacker chose.
 */
export function futureTimestampGuard(clock: () => Date) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const header = req.get("x-slack-request-timestamp");
    const timestamp = header && /^\d{1,12}$/.test(header) ? Number(header) : NaN;
    if (!Number.isFinite(timestamp) || timestamp > clock().getTime() / 1000 + MAX_SKEW_SECONDS) {
      res.status(401).send();
      return;
    }
    next();
  };
}
