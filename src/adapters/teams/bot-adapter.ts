import { TeamsAdapter } from "@microsoft/teams-ai";
import type { Activity, InvokeResponse, TurnContext } from "botbuilder";

// Fetching Microsoft's signing keys can hang behind a firewall; Teams gives up after 15 s.
const AUTHENTICATION_TIMEOUT_MS = 10_000;

export type TurnOutcome =
  | { kind: "refused"; cause: string; verifiable: boolean }
  | { kind: "malformed"; problem: string }
  | { kind: "handled"; response: InvokeResponse | undefined };

export interface BotCredentials {
  appId: string;
  appPassword: string;
  /** Set for a single-tenant app registration. */
  appTenantId: string | undefined;
}

/**
 * teams-ai's adapter, with authentication done first and apart. botbuilder answers 500
 * when it cannot check a token (Microsoft's keys unreachable) and prints the error to
 * stderr; Curve answers 401 to any request it cannot verify and logs why itself.
 */
export class CurveBotAdapter extends TeamsAdapter {
  readonly appId: string;

  /** Without credentials: the Bot Framework Emulator's unauthenticated mode. */
  constructor(credentials: BotCredentials | null) {
    super(
      credentials
        ? {
            MicrosoftAppId: credentials.appId,
            MicrosoftAppPassword: credentials.appPassword,
            MicrosoftAppType: credentials.appTenantId ? "SingleTenant" : "MultiTenant",
            MicrosoftAppTenantId: credentials.appTenantId,
          }
        : {},
    );
    this.appId = credentials?.appId ?? "";
  }

  /** Authenticates, then checks the activity (`problemWith` names what is wrong, or null), then runs the turn. */
  async processAuthenticated(
    activity: Activity,
    authHeader: string,
    problemWith: (activity: Activity) => string | null,
    logic: (context: TurnContext) => Promise<void>,
  ): Promise<TurnOutcome> {
    let authenticated;
    try {
      authenticated = await withTimeout(this.botFrameworkAuthentication.authenticateRequest(activity, authHeader), AUTHENTICATION_TIMEOUT_MS);
    } catch (error) {
      // botbuilder's AuthenticationError carries 401; anything else means the token could not be checked at all.
      const verifiable = (error as { statusCode?: unknown }).statusCode === 401;
      return { kind: "refused", cause: error instanceof Error ? error.message : String(error), verifiable };
    }
    const problem = problemWith(activity);
    if (problem) return { kind: "malformed", problem };
    return { kind: "handled", response: await this.processActivity(authenticated, activity, logic) };
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`token check took longer than ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
