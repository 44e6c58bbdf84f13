import { createServer, request as httpRequest, type Server } from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";

/**
 * An HTTP proxy on 127.0.0.1 that records what passes through it: absolute-URI requests
 * (http targets, forwarded) and CONNECT tunnels (https targets, whose TLS it cannot read).
 */
export class RecordingProxy {
  readonly requests: string[] = [];
  readonly tunnels: string[] = [];
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  url = "";

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.requests.push(`${req.method} ${req.url}`);
      const target = new URL(req.url!);
      const upstream = httpRequest({ host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on("error", () => res.writeHead(502).end());
      req.pipe(upstream);
    });
    this.server.on("connect", (req, client: Socket, head) => {
      this.tunnels.push(String(req.url));
      const [host, port] = String(req.url).split(/:(?=\d+$)/);
      const upstream = connect(Number(port), host!, () => {
        client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => s.destroy());
      }
    });
    this.server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
