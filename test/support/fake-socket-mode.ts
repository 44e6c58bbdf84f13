import type { AddressInfo } from "node:net";
import WebSocket from "ws";

/** What a Socket Mode client sent back for an envelope: its acknowledgement, with any response payload. */
export interface SocketAck {
  envelope_id: string;
  payload?: Record<string, unknown>;
}

/**
 * Slack's Socket Mode end on 127.0.0.1: it greets each connection with `hello`, as Slack does,
 * pushes envelopes (slash commands, interactions, events) to the connected client and records
 * the acknowledgements that come back. Pair it with FakeSlack.socketModeUrl, which
 * apps.connections.open hands out.
 */
export class FakeSocketMode {
  readonly acks: SocketAck[] = [];
  /** How many clients have connected, reconnections included. */
  connections = 0;
  private server: WebSocket.Server | undefined;
  private socket: WebSocket | undefined;
  private waiting: { id: string; resolve: (ack: SocketAck) => void }[] = [];
  url = "";

  async start(): Promise<this> {
    this.server = new WebSocket.Server({ host: "127.0.0.1", port: 0 });
    await new Promise<void>((resolve) => this.server!.once("listening", () => resolve()));
    this.url = `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}/link`;
    this.server.on("connection", (socket) => {
      this.connections += 1;
      this.socket = socket;
      socket.on("message", (data) => {
        const ack = JSON.parse(String(data)) as SocketAck;
        if (!ack.envelope_id) return;
        this.acks.push(ack);
        for (const w of this.waiting.filter((x) => x.id === ack.envelope_id)) w.resolve(ack);
        this.waiting = this.waiting.filter((x) => x.id !== ack.envelope_id);
      });
      socket.send(JSON.stringify({ type: "hello", num_connections: 1, debug_info: { host: "fake" }, connection_info: { app_id: "A1" } }));
    });
    return this;
  }

  /** True once a client is connected and greeted. */
  get connected(): boolean {
    return this.socket?.readyState === 1;
  }

  /** Pushes one envelope and resolves with its acknowledgement. */
  send(envelope: { envelope_id: string; type: string; payload: Record<string, unknown>; accepts_response_payload?: boolean }): Promise<SocketAck> {
    if (!this.socket) throw new Error("no Socket Mode client is connected");
    const acked = new Promise<SocketAck>((resolve) => this.waiting.push({ id: envelope.envelope_id, resolve }));
    this.socket.send(JSON.stringify(envelope));
    return acked;
  }

  async close(): Promise<void> {
    for (const client of this.server?.clients ?? []) client.terminate();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
