import { EventEmitter } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";

/** What the fake Bot Connector received, in order. */
export interface ConnectorCall {
  kind: "reply" | "send" | "update" | "member" | "create" | "other";
  method: string;
  path: string;
  conversationId?: string;
  replyToId?: string;
  body: Record<string, unknown>;
  at: number;
  /** The id the fake gave the activity it took. */
  id?: string;
}

/** A failure the fake answers with, for calls that match, `times` times (always, when unset). */
export interface ConnectorFailure {
  status: number;
  /** Which calls fail: replies and sends to one conversation, or new conversations ("create"). */
  kinds?: ("reply" | "send" | "create")[];
  conversationId?: string;
  /** Sent as the Retry-After header (seconds). */
  retryAfterSeconds?: number;
  code?: string;
  message?: string;
  times?: number;
}

export interface FakeMember {
  id: string;
  name: string;
  aadObjectId: string;
  email: string;
}

/**
 * A Bot Connector on 127.0.0.1, as Teams' serviceUrl: it takes the replies, proactive
 * messages and conversations Curve creates, and answers member lookups with the email
 * of the members it was told about.
 */
export class FakeConnector {
  readonly calls: ConnectorCall[] = [];
  readonly members = new Map<string, FakeMember>();
  /** An HTTP status the next sends fail with, for testing failures. */
  failSendsWith: number | null = null;
  /** Calls the fake answered with a failure, in order, with the status it gave. */
  readonly refused: (ConnectorCall & { status: number })[] = [];
  private readonly failures: ConnectorFailure[] = [];
  private readonly events = new EventEmitter();
  private server: Server | undefined;
  private counter = 0;
  url = "";

  static async start(): Promise<FakeConnector> {
    const fake = new FakeConnector();
    await fake.listen();
    return fake;
  }

  addMember(member: FakeMember): void {
    this.members.set(member.id, member);
    this.members.set(member.aadObjectId, member);
  }

  /** From now on, calls that match `failure` are answered with its status (`times` times, or always). */
  fail(failure: ConnectorFailure): void {
    this.failures.push({ ...failure });
  }

  /** Forgets every failure set with fail() or failSendsWith. */
  clearFailures(): void {
    this.failures.length = 0;
    this.failSendsWith = null;
  }

  /** Answers the call with a failure if one applies, recording it in `refused`; true if it did. */
  private refuse(kind: "reply" | "send" | "create", req: express.Request, res: express.Response): boolean {
    const conversationId = req.params.conversationId === undefined ? undefined : String(req.params.conversationId);
    const index = this.failures.findIndex((f) => (!f.kinds || f.kinds.includes(kind)) && (f.conversationId === undefined || f.conversationId === conversationId));
    const failure = index >= 0 ? this.failures[index]! : this.failSendsWith ? { status: this.failSendsWith, code: "Forbidden", message: "failing on purpose" } : null;
    if (!failure) return false;
    if (index >= 0 && failure.times !== undefined && --failure.times <= 0) this.failures.splice(index, 1);
    const call = { kind, method: req.method, path: req.path, conversationId, replyToId: req.params.replyToId as string | undefined, body: req.body as Record<string, unknown>, at: performance.now(), status: failure.status };
    this.refused.push(call);
    this.events.emit("refused", call);
    if (failure.retryAfterSeconds !== undefined) res.set("Retry-After", String(failure.retryAfterSeconds));
    res.status(failure.status).json({ error: { code: failure.code ?? "Failing", message: failure.message ?? "failing on purpose" } });
    return true;
  }

  /** Adaptive cards in the activities Curve sent (replies, messages it started, new channel threads). */
  cardsSent(): { call: ConnectorCall; card: Record<string, unknown> }[] {
    return this.calls
      .filter((c) => c.kind === "reply" || c.kind === "send" || (c.kind === "create" && c.body.activity))
      .flatMap((call) =>
        ((((call.kind === "create" ? call.body.activity : call.body) as { attachments?: unknown }).attachments as
          | { contentType: string; content: Record<string, unknown> }[]
          | undefined) ?? [])
          .filter((a) => a.contentType === "application/vnd.microsoft.card.adaptive")
          .map((a) => ({ call, card: a.content })),
      );
  }

  /** Resolves with the first call (already made or still to come) that matches. */
  next(match: (call: ConnectorCall) => boolean, timeoutMs = 5000): Promise<ConnectorCall> {
    const found = this.calls.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.events.off("call", listener);
        reject(new Error("the fake connector received no matching call"));
      }, timeoutMs);
      const listener = (call: ConnectorCall) => {
        if (!match(call)) return;
        clearTimeout(timer);
        this.events.off("call", listener);
        resolve(call);
      };
      this.events.on("call", listener);
    });
  }

  private record(call: Omit<ConnectorCall, "at">): ConnectorCall {
    const full = { ...call, at: performance.now() };
    this.calls.push(full);
    this.events.emit("call", full);
    return full;
  }

  private async listen(): Promise<void> {
    const app = express();
    app.use(express.json({ limit: "1mb" }));
    const take = (kind: "reply" | "send") => (req: express.Request, res: express.Response) => {
      if (this.refuse(kind, req, res)) return;
      const id = `msg-${++this.counter}`;
      this.record({ kind, method: req.method, path: req.path, conversationId: String(req.params.conversationId), replyToId: req.params.replyToId as string | undefined, body: req.body, id });
      res.json({ id });
    };
    app.post("/v3/conversations/:conversationId/activities/:replyToId", take("reply"));
    app.post("/v3/conversations/:conversationId/activities", take("send"));
    app.put("/v3/conversations/:conversationId/activities/:activityId", (req, res) => {
      this.record({ kind: "update", method: req.method, path: req.path, conversationId: String(req.params.conversationId), body: req.body });
      res.json({ id: req.params.activityId });
    });
    app.get("/v3/conversations/:conversationId/members/:memberId", (req, res) => {
      this.record({ kind: "member", method: req.method, path: req.path, conversationId: String(req.params.conversationId), body: {} });
      const member = this.members.get(String(req.params.memberId));
      if (!member) return void res.status(404).json({ error: { code: "MemberNotFound", message: "The member was not found." } });
      res.json({ id: member.id, name: member.name, aadObjectId: member.aadObjectId, email: member.email, userPrincipalName: member.email, tenantId: "tenant", userRole: "user" });
    });
    app.post("/v3/conversations", (req, res) => {
      if (this.refuse("create", req, res)) return;
      // As Teams does: a new channel thread's id is the channel's, then ";messageid=" and its first message's id.
      const body = req.body as { isGroup?: boolean; channelData?: { channel?: { id?: string } } };
      const channel = body.isGroup ? body.channelData?.channel?.id : undefined;
      const id = channel ? `${channel};messageid=${++this.counter}` : `a:created-${++this.counter}`;
      this.record({ kind: "create", method: req.method, path: req.path, body: req.body, id });
      res.status(201).json({ id, serviceUrl: this.url, activityId: undefined });
    });
    app.use((req, res) => {
      this.record({ kind: "other", method: req.method, path: req.path, body: (req.body ?? {}) as Record<string, unknown> });
      res.status(404).json({ error: { code: "NotFound", message: "not a connector route" } });
    });
    await new Promise<void>((resolve) => {
      this.server = app.listen(0, "127.0.0.1", () => resolve());
    });
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/`;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
    this.server?.closeAllConnections();
  }
}
