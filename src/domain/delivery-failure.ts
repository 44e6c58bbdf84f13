/**
 * Why a message did not reach someone, in words a coordinator can act on, from the reason
 * the delivery worker recorded. `fixable` failures (a blocked bot, a chat that is gone, an
 * account that no longer exists) come before "no account linked", which is usually someone
 * who has simply never used Curve.
 */
export interface FailureWording {
  reason: string;
  fixable: boolean;
}

export function describeFailure(recorded: string | null, person: string, platform: string | null): FailureWording {
  const text = (recorded ?? "").toLowerCase();
  const teams = platform === "teams" || text.includes("teams");
  if (text.includes("no slack or teams account linked")) return { reason: "no Slack or Teams account linked", fixable: false };
  if (text.includes("could not open a 1:1 chat")) return { reason: `Teams would not open a chat between Curve and ${person}: the Curve app may not be installed for them`, fixable: true };
  if (/\b403\b|forbidden|blocked/.test(text) && teams) return { reason: `${person} blocked Curve in Teams`, fixable: true };
  if (/conversation not found|conversationnotfound|\b404\b/.test(text) && teams) return { reason: "the Teams chat no longer exists", fixable: true };
  if (text.includes("no teams conversation")) return { reason: `${person} has not opened a chat with Curve in Teams yet`, fixable: true };
  if (/user_not_found|users_not_found|account_inactive|user_disabled/.test(text)) return { reason: `${person}'s Slack account no longer exists or is deactivated`, fixable: true };
  if (/channel_not_found|is_archived|cannot_dm_bot/.test(text)) return { reason: "the Slack conversation no longer exists", fixable: true };
  if (/invalid_auth|not_authed|token_revoked|missing_scope/.test(text)) return { reason: "Slack refused Curve's token: an administrator must reinstall the app", fixable: true };
  if (text.includes("no adapter running")) return { reason: "Curve is not connected to the platform this person uses", fixable: true };
  if (text.includes("no longer exists")) return { reason: "the person was removed from the plans", fixable: false };
  return { reason: recorded ? recorded.slice(0, 200) : "no reason was recorded", fixable: true };
}
