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
  readonly #connectors = new ConnectorClients();

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
    // Proactive sends (the outbox's) reuse the Bot Connector clients as turns do.
    const auth = this.botFrameworkAuthentication;
    const connectorFactoryFor = auth.createConnectorFactory.bind(auth);
    auth.createConnectorFactory = (claims) => this.#connectors.reusing(connectorFactoryFor(claims));
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
    const connectorFactory = authenticated.connectorFactory && this.#connectors.reusing(authenticated.connectorFactory);
    return { kind: "handled", response: await this.processActivity({ ...authenticated, connectorFactory }, activity, logic) };
  }
}

/**
 * Bot Connector clients kept for reuse, one per service URL and audience (this adapter acts for
 * one bot app). botbuilder's CloudAdapter builds a new ConnectorClient, with its whole HTTP
 * pipeline, for every turn and every proactive send: about half a millisecond of the thread
 * that answers Teams, and garbage, each time. Its older BotFrameworkAdapter kept one per
 * service URL, as this does. A client holds its credentials (which cache their token) and its
 * base URL, the same for every turn to that service URL. At most MAX_KEPT, the oldest let go first.
 */
class ConnectorClients {
  static readonly MAX_KEPT = 32;
  readonly #kept = new Map<string, Promise<unknown>>();

  /**
   * `factory` (botframework-connector's ConnectorFactory, whose one method is `create`),
   * creating each client through it only when none is kept for its service URL and audience.
   */
  reusing<F extends ConnectorFactoryLike>(factory: F): F {
    const reusing: ConnectorFactoryLike = {
      create: (serviceUrl: string, audience?: string): Promise<unknown> => {
        const key = `${audience ?? ""} ${serviceUrl}`;
        const kept = this.#kept.get(key);
        if (kept) return kept;
        const created = factory.create(serviceUrl, audience);
        this.#kept.set(key, created);
        // A client that could not be made is not kept: the next turn tries again.
        created.catch(() => this.#kept.get(key) === created && this.#kept.delete(key));
        if (this.#kept.size > ConnectorClients.MAX_KEPT) this.#kept.delete(this.#kept.keys().next().value!);
        return created;
      },
    };
    return reusing as F;
  }
}

/** The shape of botframework-connector's ConnectorFactory, which botbuilder does not re-export. */
interface ConnectorFactoryLike {
  create(serviceUrl: string, audience?: string): Promise<unknown>;
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`token check took longer than ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
