import type { Agent, ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Request, Response } from 'express';
import { createProxyMiddleware, proxyEventsPlugin } from 'http-proxy-middleware';
import {
  ClientBodyTimeoutError,
  ClientClosedError,
  UpstreamConnectTimeoutError,
  UpstreamTimeoutError,
} from '../resilience/upstream-errors';
import { writeBufferedBody } from './replayable-body';

export interface ForwarderOptions {
  agent: Agent;
  /** Public mount path, e.g. "/api/products", and the upstream prefix replacing it, "/products". */
  mountPath: string;
  pathPrefix: string;
  timeoutMs: number;
  connectTimeoutMs: number;
  /** The client's whole body must arrive within this; then 408, never the upstream's fault. */
  bodyTimeoutMs: number;
}

export interface Forwarded {
  /**
   * The replica answered `Connection: close` although the gateway keeps its connections alive:
   * it is draining (a graceful stop asks every client to hang up) and should get no more requests.
   */
  replicaClosing: boolean;
}

/**
 * Sends the request to `target` (one replica's origin, e.g. http://127.0.0.1:3002). Resolves once
 * the upstream's response headers arrive (the body then streams on); rejects otherwise.
 */
export type Forward = (req: Request, res: Response, target: string) => Promise<Forwarded>;

/**
 * One proxied request. http-proxy reports through server-wide events, so each request's promise
 * lives here until the first of: response headers, proxy error, timeout, client hang-up.
 */
interface Exchange {
  readonly target: string;
  /**
   * The upstream's clock starts once the client's body is in: a client that trickles its body must
   * not turn into an upstream timeout (and open the circuit for everybody). Until then the body
   * has its own deadline. ('end' waits for the upstream to take the bytes too; an upstream that
   * stops reading mid-body is rare enough to be blamed on the body deadline.)
   */
  start(req: IncomingMessage, bodyTimeoutMs: number): void;
  readonly isSettled: boolean;
  attach(proxyReq: ClientRequest, connectTimeoutMs: number): void;
  succeed(forwarded: Forwarded): void;
  fail(error: unknown): void;
}

function createExchange(
  target: string,
  resolve: (forwarded: Forwarded) => void,
  reject: (error: unknown) => void,
  timeoutMs: number,
): Exchange {
  let settled = false;
  let proxyReq: ClientRequest | undefined;
  const timers: NodeJS.Timeout[] = [];

  function settle(): boolean {
    if (settled) return false;
    settled = true;
    for (const timer of timers) clearTimeout(timer);
    return true;
  }

  function fail(error: unknown): void {
    if (!settle()) return;
    // Stop the upstream work nobody will read (timeout, client gone); a no-op after a socket error.
    if (proxyReq && !proxyReq.destroyed) proxyReq.destroy();
    reject(error);
  }

  function startUpstreamClock(): void {
    if (settled) return;
    timers.push(setTimeout(() => fail(new UpstreamTimeoutError(timeoutMs)), timeoutMs));
  }

  return {
    target,
    start(req, bodyTimeoutMs) {
      if (req.complete) {
        startUpstreamClock();
        return;
      }
      const bodyTimer = setTimeout(() => fail(new ClientBodyTimeoutError(bodyTimeoutMs)), bodyTimeoutMs);
      timers.push(bodyTimer);
      req.once('end', () => {
        clearTimeout(bodyTimer);
        startUpstreamClock();
      });
    },
    get isSettled() {
      return settled;
    },
    attach(request, connectTimeoutMs) {
      proxyReq = request;
      const socket: Socket | null = request.socket;
      // Reused keep-alive sockets are already connected; only fresh connects get the short deadline.
      if (socket?.connecting) {
        const timer = setTimeout(
          () => request.destroy(new UpstreamConnectTimeoutError(connectTimeoutMs)),
          connectTimeoutMs,
        );
        timers.push(timer);
        socket.once('connect', () => clearTimeout(timer));
      }
    },
    succeed(forwarded) {
      if (settle()) resolve(forwarded);
    },
    fail,
  };
}

/** "/api/products/42?x=1" → "/products/42?x=1"; the mount path matched case-insensitively. */
function rewritePath(mount: string, prefix: string, url: string): string {
  return `${prefix}${url.slice(mount.length)}`;
}

function mergeVary(upstream: string | string[] | undefined, own: unknown): string | undefined {
  const values = [upstream, own]
    .flat()
    .filter((value): value is string => typeof value === 'string')
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter(Boolean);
  const unique = [...new Map(values.map((value) => [value.toLowerCase(), value])).values()];
  return unique.length > 0 ? unique.join(', ') : undefined;
}

/**
 * The gateway owns CORS and the rate-limit headers; an upstream's own values would silently
 * replace the gateway's (http-proxy copies upstream headers over ours).
 */
function reconcileHeaders(proxyRes: IncomingMessage, res: ServerResponse): void {
  const ownsRateLimit = res.hasHeader('x-ratelimit-limit');
  for (const name of Object.keys(proxyRes.headers)) {
    if (name.startsWith('access-control-')) delete proxyRes.headers[name];
    if (ownsRateLimit && (name.startsWith('x-ratelimit-') || name.startsWith('ratelimit'))) {
      delete proxyRes.headers[name];
    }
  }
  const vary = mergeVary(proxyRes.headers.vary, res.getHeader('vary'));
  if (vary) proxyRes.headers.vary = vary;
}

/** Builds the function that streams one request to the upstream via http-proxy-middleware. */
export function createForwarder(options: ForwarderOptions): Forward {
  const exchanges = new WeakMap<IncomingMessage, Exchange>();
  const proxy = createProxyMiddleware({
    agent: options.agent,
    // Every exchange names its replica; a request without one never gets this far.
    router: (req) => exchanges.get(req)!.target,
    changeOrigin: true,
    xfwd: true,
    // The default plugins answer errors with a text/plain body and log through console; we map
    // every failure to the common JSON error shape ourselves. Only the `on` wiring is kept.
    ejectPlugins: true,
    plugins: [proxyEventsPlugin],
    pathRewrite: (path) => rewritePath(options.mountPath, options.pathPrefix, path),
    on: {
      proxyReq: (proxyReq, req) => {
        const exchange = exchanges.get(req);
        // The agent handed out a socket after we already gave up (timeout or client gone).
        if (!exchange || exchange.isSettled) proxyReq.destroy();
        else {
          exchange.attach(proxyReq, options.connectTimeoutMs);
          // Hop-by-hop: a client's own `Connection: close` must not end the pooled upstream
          // connection (nor look like the replica draining, see Forwarded).
          proxyReq.removeHeader('connection');
          writeBufferedBody(proxyReq, req);
        }
      },
      proxyRes: (proxyRes, req, res) => {
        reconcileHeaders(proxyRes, res);
        // An upstream dying mid-body must not leave the client waiting for the rest forever.
        proxyRes.once('aborted', () => res.destroy());
        proxyRes.once('error', () => res.destroy());
        exchanges.get(req)?.succeed({ replicaClosing: proxyRes.headers.connection === 'close' });
      },
      error: (error, req, res) => {
        const exchange = exchanges.get(req);
        if (exchange && !exchange.isSettled) exchange.fail(error);
        else if ('headersSent' in res && res.headersSent) res.destroy();
      },
    },
  });

  return (req, res, target) =>
    new Promise<Forwarded>((resolve, reject) => {
      // Gone while waiting for the rate limiter or the token check: nothing to forward.
      if (req.socket.destroyed) {
        reject(new ClientClosedError());
        return;
      }
      // 'close' also follows every completed response; only an unsettled exchange needs the error.
      // Each attempt of a request (a retry on the next replica) listens anew: a settled one stops.
      const onClientClose = () => {
        if (!exchange.isSettled) exchange.fail(new ClientClosedError());
      };
      const settle =
        <T>(then: (value: T) => void) =>
        (value: T) => {
          res.off('close', onClientClose);
          then(value);
        };
      const exchange = createExchange(target, settle(resolve), settle(reject), options.timeoutMs);
      exchanges.set(req, exchange);
      exchange.start(req, options.bodyTimeoutMs);
      res.once('close', onClientClose);
      proxy(req, res, (error?: unknown) => exchange.fail(error ?? new Error('proxy skipped the request')));
    });
}
