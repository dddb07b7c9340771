import { once } from 'node:events';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export type StubHandler = (req: ReceivedRequest, res: ServerResponse) => void | Promise<void>;

/** Answers 200 with a small JSON echo of what it received. */
const echo: StubHandler = (req, res) => {
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify({ method: req.method, url: req.url, bytes: req.body.length }));
};

/**
 * A real HTTP server standing in for a service: it records every request it receives (so tests
 * can prove what reached it, or that nothing did) and answers with per-path handlers.
 */
export class StubUpstream {
  readonly received: ReceivedRequest[] = [];
  private readonly handlers = new Map<string, StubHandler>();
  private fallback: StubHandler = echo;
  private server?: http.Server;
  private boundPort = 0;

  private constructor(private readonly host = '127.0.0.1') {}

  /** `host`: another loopback address (127.0.0.2 ...) plays a second replica on the same port. */
  static async start(port = 0, host = '127.0.0.1'): Promise<StubUpstream> {
    const stub = new StubUpstream(host);
    await stub.listen(port);
    return stub;
  }

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return `http://${this.host}:${this.boundPort}`;
  }

  /** Handler for one path (query string ignored), e.g. on('/ready', ...). */
  on(path: string, handler: StubHandler): this {
    this.handlers.set(path, handler);
    return this;
  }

  otherwise(handler: StubHandler): this {
    this.fallback = handler;
    return this;
  }

  /** Requests whose path (without query) starts with `prefix`. */
  receivedUnder(prefix: string): ReceivedRequest[] {
    return this.received.filter((req) => req.url.startsWith(prefix));
  }

  /** Only requests for the API, not the gateway's own /ready and /openapi.json probes. */
  get apiRequests(): ReceivedRequest[] {
    return this.received.filter((req) => !['/ready', '/openapi.json'].includes(req.url.split('?')[0]!));
  }

  async listen(port = this.boundPort): Promise<void> {
    // A request the gateway abandons mid-body (a client's body timed out) rejects the body read:
    // like a real service, drop it rather than leave an unhandled rejection behind.
    const server = http.createServer((req, res) => void this.handle(req, res).catch(() => res.destroy()));
    server.listen(port, this.host);
    await once(server, 'listening');
    this.server = server;
    this.boundPort = (server.address() as AddressInfo).port;
  }

  /** Stops accepting and drops open connections, like a crashed process. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const received: ReceivedRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers,
      body: Buffer.concat(chunks),
    };
    this.received.push(received);
    const handler = this.handlers.get(received.url.split('?')[0]!) ?? this.fallback;
    try {
      await handler(received, res);
    } catch {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    }
  }
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}
