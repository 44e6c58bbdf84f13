import type { WebClient } from "@slack/web-api";
import { warn, type Logger } from "../../commands/context.ts";

/** Where one person's answer to one request can go, best first. */
export interface AnswerTarget {
  /** The request's response_url; Slack takes it for 30 minutes and 5 uses. */
  responseUrl: string | null | undefined;
  /** The channel the request came from, for chat.postEphemeral. */
  channelId: string | null | undefined;
  userId: string;
}

/** A message for a response_url: Block Kit text and blocks, with how it lands. */
export interface ResponseMessage {
  text?: string;
  blocks?: unknown[];
  response_type?: "ephemeral" | "in_channel";
  replace_original?: boolean;
}

// How long a response_url may take before Curve gives up on it and uses the Web API instead.
const RESPONSE_URL_TIMEOUT_MS = 10_000;

/**
 * Posts to a response_url, checking what Slack said. Returns null when it was taken, else
 * why not, in words fit for the log: the HTTP status and Slack's one-word reason
 * ("expired_url", "used_url"), or the network error's code. Never the URL, which is a secret.
 */
export async function postToResponseUrl(url: string, message: ResponseMessage): Promise<{ status?: number; reason: string } | null> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(message),
      signal: AbortSignal.timeout(RESPONSE_URL_TIMEOUT_MS),
    });
    const said = (await response.text().catch(() => "")).trim();
    // Slack answers a refused response_url with a status and a short reason; a 200 may still say {"ok":false,"error":…}.
    const refusal = /"ok"\s*:\s*false/.test(said) ? /"error"\s*:\s*"([a-z_]{1,40})"/.exec(said)?.[1] ?? "refused" : null;
    if (response.ok && !refusal) return null;
    return { status: response.status, reason: refusal ?? (/^[a-z_]{1,40}$/.test(said) ? said : response.statusText || "refused") };
  } catch (error) {
    const e = error as { name?: string; cause?: { code?: string } };
    return { reason: e?.name === "TimeoutError" ? "timeout" : (e?.cause?.code ?? e?.name ?? "unreachable") };
  }
}

const slackError = (error: unknown): string => (error as { data?: { error?: string } })?.data?.error ?? (error instanceof Error ? error.message.split("\n")[0]! : String(error));

/**
 * One person's answer to a request, so that it reaches them: through the response_url while
 * Slack still takes it; when it refuses (expired, used up) or cannot be reached, as an
 * ephemeral message in the channel; when that is refused too (a channel Curve is not in),
 * as a direct message from Curve. Each refusal is logged, without the URL or any token.
 * Rejects only when nothing could reach the person (the caller's failure path logs it).
 *
 * `redraw`: the message only redraws the one the request came from (a list, refreshed);
 * there is nothing to fall back to, so a refusal is logged and that is all.
 */
export async function answerPrivately(
  deps: { client: WebClient; log: Logger },
  to: AnswerTarget,
  message: ResponseMessage,
  options: { redraw?: boolean } = {},
): Promise<void> {
  if (to.responseUrl) {
    const refused = await postToResponseUrl(to.responseUrl, message);
    if (!refused) return;
    warn(deps.log, "slack response_url refused", { ...refused, fallback: options.redraw ? "none (a redraw)" : to.channelId ? "chat.postEphemeral" : "direct message" });
    if (options.redraw) return;
  }
  const { text = "", blocks } = message;
  const rendered = { text, ...(blocks ? { blocks: blocks as never[] } : {}) };
  if (to.channelId) {
    try {
      await deps.client.chat.postEphemeral({ channel: to.channelId, user: to.userId, ...rendered });
      return;
    } catch (error) {
      warn(deps.log, "slack ephemeral answer refused", { error: slackError(error), fallback: "direct message" });
    }
  }
  // The bot's own conversation with the person: a user id as the channel.
  await deps.client.chat.postMessage({ channel: to.userId, ...rendered });
}
