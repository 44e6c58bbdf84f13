import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import express from "express";

export interface RecordedCall {
  method: string;
  body: Record<string, unknown>;
  /** Set when the fake refused the call as rate-limited (HTTP 429). */
  rateLimited?: boolean;
  /** Set when the fake answered it with one of `refusals` (ok: false). */
  refused?: string;
  /** When the fake received it (Date.now()). */
  at: number;
}

/**
 * A stand-in for Slack's Web API and response_url endpoints on 127.0.0.1. It answers the
 * methods Curve calls and records every request, so tests assert on what Slack would get.
 */
export class FakeSlack {
  readonly calls: RecordedCall[] = [];
  readonly responses: { id: string; body: Record<string, unknown> }[] = [];
  /** response_url ids that answer as Slack does once one has expired (30 minutes) or been used 5 times: 404 "expired_url". */
  readonly expiredResponseUrls = new Set<string>();
  /** What was posted to an expired response_url, which Slack refused. */
  readonly refusedResponses: { id: string; body: Record<string, unknown> }[] = [];
  readonly emails = new Map<string, string>();
  /** Methods that answer 429 with Retry-After this many more times. */
  readonly rateLimits = new Map<string, { times: number; retryAfter: number }>();
  /** Slack's own refusals (HTTP 200, ok: false, e.g. internal_error) for a method's next `times` calls, to one channel when `channel` is set. */
  readonly refusals = new Map<string, { times: number; error: string; channel?: string }>();
  /** Methods that answer only after this many milliseconds (a slow Slack, sends in flight). */
  readonly delays = new Map<string, number>();
  /** Methods whose answers wait until the test releases them (see hold()). */
  private readonly held = new Map<string, Promise<void>>();
  /** Like Slack: chat.postMessage to a channel more than once a second gets a 429. */
  enforceChannelRate = false;
  rejectedForRate = 0;
  private readonly lastPost = new Map<string, number>();
  /** Files uploaded to the URL files.getUploadURLExternal handed out, by file id, as the upload POST carried them. */
  readonly uploads = new Map<string, { contentType: string; body: Buffer }>();
  /** When set, auth.test answers { ok: false, error: authError } (a refused token). */
  authError: string | undefined;
  private lastTsMicros = 0;
  private server: Server | undefined;
  url = "";
  /** The ws:// address apps.connections.open gives a Socket Mode client; unset, it refuses. */
  socketModeUrl: string | null = null;

  constructor(readonly teamId = "T1") {}

  /** Listens on 127.0.0.1, over https when given a key and certificate (for proxy tests). */
  async start(options: { tls?: { key: string; cert: string } } = {}): Promise<this> {
    const app = express();
    app.use(express.urlencoded({ extended: false }), express.json());
    app.post("/api/:method", async (req, res) => {
      const method = req.params.method;
      const body = decode(req.body as Record<string, unknown>);
      const call: RecordedCall = { method, body, at: Date.now() };
      this.calls.push(call);
      const delay = this.delays.get(method);
      if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
      await this.held.get(method);
      if (this.enforceChannelRate && method === "chat.postMessage") {
        const channel = String(body.channel);
        const last = this.lastPost.get(channel) ?? 0;
        if (Date.now() - last < 1000) {
          this.rejectedForRate += 1;
          call.rateLimited = true;
          res.status(429).set("Retry-After", "1").json({ ok: false, error: "ratelimited" });
          return;
        }
        this.lastPost.set(channel, Date.now());
      }
      const limit = this.rateLimits.get(method);
      if (limit && limit.times > 0) {
        limit.times -= 1;
        call.rateLimited = true;
        res.status(429).set("Retry-After", String(limit.retryAfter)).json({ ok: false, error: "ratelimited" });
        return;
      }
      const refusal = this.refusals.get(method);
      if (refusal && refusal.times > 0 && (!refusal.channel || refusal.channel === body.channel)) {
        refusal.times -= 1;
        call.refused = refusal.error;
        res.json({ ok: false, error: refusal.error });
        return;
      }
      res.json(this.answer(method, body));
    });
    app.post("/upload/:id", express.raw({ type: () => true, limit: "50mb" }), (req, res) => {
      this.uploads.set(req.params.id, { contentType: String(req.headers["content-type"] ?? ""), body: req.body as Buffer });
      res.send("OK - uploaded");
    });
    app.post("/response/:id", (req, res) => {
      if (this.expiredResponseUrls.has(req.params.id)) {
        this.refusedResponses.push({ id: req.params.id, body: req.body as Record<string, unknown> });
        res.status(404).send("expired_url");
        return;
      }
      this.responses.push({ id: req.params.id, body: req.body as Record<string, unknown> });
      res.send("ok");
    });
    this.server = options.tls ? createHttpsServer(options.tls, app) : createServer(app);
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `${options.tls ? "https" : "http"}://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  private answer(method: string, body: Record<string, unknown>): Record<string, unknown> {
    switch (method) {
      case "auth.test":
        if (this.authError) return { ok: false, error: this.authError };
        return { ok: true, team_id: this.teamId, user_id: "UCURVE", bot_id: "BCURVE", team: "Leeds partnership" };
      case "users.info": {
        const email = this.emails.get(String(body.user));
        return { ok: true, user: { id: body.user, profile: email ? { email } : {} } };
      }
      case "views.open":
      case "views.publish":
        return { ok: true, view: { id: `V${this.calls.length}` } };
      case "chat.postMessage":
        return { ok: true, channel: body.channel, ts: this.nextTs() };
      case "chat.update":
      case "chat.delete":
        return { ok: true, channel: body.channel, ts: body.ts };
      case "conversations.open":
        return { ok: true, channel: { id: `D${String(body.users)}` } };
      case "files.getUploadURLExternal": {
        const id = `F${this.calls.length}`;
        return { ok: true, upload_url: `${this.url}/upload/${id}`, file_id: id };
      }
      case "files.completeUploadExternal":
        return { ok: true, files: (body.files as { id: string; title?: string }[]).map((f) => ({ id: f.id, title: f.title })) };
      case "chat.postEphemeral":
        return { ok: true, message_ts: this.nextTs() };
      case "apps.connections.open":
        // Socket Mode: where to open the WebSocket (see FakeSocketMode).
        return this.socketModeUrl ? { ok: true, url: this.socketModeUrl } : { ok: false, error: "invalid_auth" };
      default:
        return { ok: false, error: "unknown_method" };
    }
  }

  /** The file inside an upload POST (the client sends it as form data, or raw). */
  async uploadedFile(id: string): Promise<Buffer> {
    const upload = this.uploads.get(id);
    if (!upload) throw new Error(`nothing was uploaded as ${id}`);
    if (!upload.contentType.startsWith("multipart/form-data")) return upload.body;
    const form = await new Request("http://fake.invalid/", { method: "POST", headers: { "content-type": upload.contentType }, body: new Uint8Array(upload.body) }).formData();
    const part = [...form.values()].find((v): v is File => typeof v !== "string");
    return part ? Buffer.from(await part.arrayBuffer()) : Buffer.from(String([...form.values()][0] ?? ""));
  }

  /** A message timestamp as Slack writes it, "seconds.micro" (six digits), unique and rising. */
  nextTs(): string {
    this.lastTsMicros = Math.max(this.lastTsMicros + 1, Date.now() * 1000);
    return `${Math.floor(this.lastTsMicros / 1e6)}.${String(this.lastTsMicros % 1e6).padStart(6, "0")}`;
  }

  /** From now on, calls to `method` are recorded at once but answered only after the returned release() is called. */
  hold(method: string): () => void {
    let release!: () => void;
    this.held.set(method, new Promise<void>((resolve) => (release = resolve)));
    return () => {
      this.held.delete(method);
      release();
    };
  }

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

// The Web API client sends nested arguments (view, blocks) as JSON strings inside the form.
function decode(body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body ?? {})) {
    if (typeof value === "string" && /^[[{]/.test(value)) {
      try {
        out[key] = JSON.parse(value);
        continue;
      } catch {
        /* a plain string that happens to start with a bracket */
      }
    }
    out[key] = value;
  }
  return out;
}

/** Slack's request signature: v0=HMAC-SHA256(secret, "v0:<timestamp>:<body>"). */
export function slackSignature(secret: string, timestamp: number | string, body: string | Buffer): string {
  return `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:`).update(body).digest("hex")}`;
}

export interface SignedPost {
  status: number;
  body: string;
  json(): Record<string, unknown>;
}

/** POSTs to /slack/events exactly as Slack does: form-encoded, signed, timestamped. A Buffer body is sent and signed byte for byte. */
export async function postToSlackEndpoint(
  baseUrl: string,
  body: string | Buffer,
  options: { secret: string; timestamp?: number; signature?: string; retryNum?: number; contentType?: string; omitHeaders?: boolean },
): Promise<SignedPost> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = { "content-type": options.contentType ?? "application/x-www-form-urlencoded" };
  if (!options.omitHeaders) {
    headers["x-slack-request-timestamp"] = String(timestamp);
    headers["x-slack-signature"] = options.signature ?? slackSignature(options.secret, timestamp, body);
  }
  if (options.retryNum !== undefined) {
    headers["x-slack-retry-num"] = String(options.retryNum);
    headers["x-slack-retry-reason"] = "http_timeout";
  }
  const response = await fetch(`${baseUrl}/slack/events`, { method: "POST", headers, body: typeof body === "string" ? body : new Uint8Array(body) });
  const text = await response.text();
  return { status: response.status, body: text, json: () => JSON.parse(text) as Record<string, unknown> };
}

/** A slash command as Slack encodes it. */
export const commandBody = (fields: Record<string, string>): string => new URLSearchParams(fields).toString();
/** An interaction (button, modal) as Slack encodes it: payload=<json>. */
export const interactionBody = (payload: unknown): string => new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
/** An Events API callback is JSON. */
export const eventBody = (event: unknown): string => JSON.stringify(event);
