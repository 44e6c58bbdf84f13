import http from "node:http";
import https from "node:https";
import { HttpProxyAgent } from "http-proxy-agent";
import { HttpsProxyAgent } from "https-proxy-agent";
import { EnvHttpProxyAgent, setGlobalDispatcher } from "undici";

/** HTTP_PROXY, HTTPS_PROXY and NO_PROXY as the operator set them (upper or lower case). */
export interface ProxySettings {
  httpProxy: string | undefined;
  httpsProxy: string | undefined;
  /** Comma-separated hosts, `.domain` suffixes, `host:port`, or `*`. */
  noProxy: string | undefined;
}

/**
 * The proxy for a request to `target`, or null to go direct: HTTPS_PROXY for https
 * (falling back to HTTP_PROXY, as curl does), HTTP_PROXY for http, none when NO_PROXY
 * names the host (exactly, as a domain suffix, with or without a port) or is `*`.
 */
export function proxyFor(target: URL, settings: ProxySettings): string | null {
  const proxy = target.protocol === "https:" ? (settings.httpsProxy ?? settings.httpProxy) : settings.httpProxy;
  if (!proxy) return null;
  const host = target.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const port = target.port || (target.protocol === "https:" ? "443" : "80");
  for (const raw of (settings.noProxy ?? "").split(/[\s,]+/).filter(Boolean)) {
    if (raw === "*") return null;
    const [entryHost = "", entryPort] = raw.toLowerCase().replace(/^\*?\./, ".").split(/:(?=\d+$)/);
    if (entryPort && entryPort !== port) continue;
    const bare = entryHost.replace(/^\./, "");
    if (host === bare || host.endsWith(`.${bare}`)) return null;
  }
  return proxy;
}

/**
 * Routes every request made with Node's http/https modules through the proxy the settings
 * choose for its host (Bot Connector and token clients that use the default agent).
 */
class ProxyRoutingAgent extends http.Agent {
  private readonly proxied = new Map<string, http.Agent>();

  constructor(
    private readonly settings: ProxySettings,
    private readonly secure: boolean,
    private readonly direct: http.Agent,
  ) {
    super({ keepAlive: true });
  }

  // Node's http client calls addRequest synchronously, before it writes the request line;
  // an http proxy agent must rewrite the path to an absolute URL then.
  addRequest(request: http.ClientRequest, options: http.RequestOptions & { protocol?: string }): void {
    const secure = options.protocol ? options.protocol === "https:" : this.secure;
    const host = options.hostname ?? options.host ?? "localhost";
    const target = new URL(`${secure ? "https" : "http"}://${host.includes(":") && !host.startsWith("[") ? `[${host}]` : host}:${options.port ?? (secure ? 443 : 80)}`);
    const chosen = proxyFor(target, this.settings);
    // A client that does its own proxying (Azure's SDK reads HTTP_PROXY itself) connects to
    // the proxy: that connection goes direct, or it would be proxied twice.
    const proxy = chosen && new URL(chosen).host !== target.host ? chosen : null;
    const agent = proxy ? this.agentFor(proxy, secure) : this.direct;
    (agent as unknown as { addRequest(r: http.ClientRequest, o: object): void }).addRequest(request, { ...options, secureEndpoint: secure });
  }

  private agentFor(proxy: string, secure: boolean): http.Agent {
    const key = `${secure}:${proxy}`;
    let agent = this.proxied.get(key);
    if (!agent) {
      agent = secure ? new HttpsProxyAgent(proxy, { keepAlive: true }) : new HttpProxyAgent(proxy, { keepAlive: true });
      this.proxied.set(key, agent);
    }
    return agent;
  }
}

/**
 * Makes every outbound client in this process honour the proxy settings: `fetch` (Slack's
 * Web API and its file uploads, Socket Mode) through undici's global dispatcher, and
 * Node's http/https default agents (the Bot Connector, Microsoft's token and key
 * endpoints). Returns what it did, for the log; with no proxy set it changes nothing.
 */
export function installOutboundProxy(settings: ProxySettings): { proxied: boolean } {
  if (!settings.httpProxy && !settings.httpsProxy) return { proxied: false };
  setGlobalDispatcher(
    new EnvHttpProxyAgent({
      ...(settings.httpProxy ? { httpProxy: settings.httpProxy } : {}),
      ...(settings.httpsProxy ? { httpsProxy: settings.httpsProxy } : {}),
      noProxy: settings.noProxy ?? "",
    }),
  );
  http.globalAgent = new ProxyRoutingAgent(settings, false, new http.Agent({ keepAlive: true }));
  https.globalAgent = new ProxyRoutingAgent(settings, true, new https.Agent({ keepAlive: true })) as unknown as https.Agent;
  return { proxied: true };
}
