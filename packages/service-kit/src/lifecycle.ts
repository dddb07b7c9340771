import { once } from 'node:events';
import { Server as NetServer } from 'node:net';
import type { Server, ServerResponse } from 'node:http';
import type { Express } from 'express';
import type { Logger } from 'pino';
import { ConfigError } from './config';
import type { Lifecycle } from './health';
import { shutdownTracing } from './tracing';

export type Closer = () => Promise<unknown> | unknown;

/** Responses still being written, per server: a drain asks each of their clients to hang up. */
const responsesInProgress = new WeakMap<Server, Set<ServerResponse>>();
/**
 * Requests whose handler has not answered yet, per server. Not the same as open connections: a
 * client that hangs up (or the timeout that cuts it) ends the connection while the handler runs on
 * (an order being saved); closing MongoDB under it would fail work that is half done.
 */
const handlersInProgress = new WeakMap<Server, Set<ServerResponse>>();

function trackResponses(server: Server): void {
  const active = new Set<ServerResponse>();
  const handling = new Set<ServerResponse>();
  responsesInProgress.set(server, active);
  handlersInProgress.set(server, handling);
  server.prependListener('request', (_request, response: ServerResponse) => {
    active.add(response);
    handling.add(response);
    response.once('close', () => active.delete(response));
    // end() is what every handler (and the error handler) calls to answer, connection or not.
    const end = response.end.bind(response) as (...args: unknown[]) => ServerResponse;
    response.end = ((...args: unknown[]) => {
      handling.delete(response);
      return end(...args);
    }) as ServerResponse['end'];
  });
}

/** Resolves once no handler of `server` is still working on an answer. */
async function handlersDone(server: Server): Promise<void> {
  const handling = handlersInProgress.get(server);
  while (handling && handling.size > 0) await new Promise((resolve) => setTimeout(resolve, 20));
}

export async function listen(app: Express, port: number, host = '127.0.0.1'): Promise<Server> {
  const server = app.listen(port, host);
  trackResponses(server);
  await once(server, 'listening');
  // Longer than typical proxy idle timeouts so the proxy, not us, closes idle keep-alive sockets.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return server;
}

/** Whether `work` settled within `timeoutMs`; the timer never outlives the answer. */
async function settlesWithin(work: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([work.then(() => true), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

const IDLE_SWEEP_MS = 50;
/**
 * A connection with no request in progress cannot be closed safely at once: its client may already
 * be sending the next request (or, on a fresh connection, the first one) and would get ECONNRESET.
 * For this long after the listener closes, every client still talking gets an answer that says
 * "hang up"; only connections silent for the whole window are closed under them.
 */
const HANG_UP_WINDOW_MS = 300;

function askToHangUp(response: ServerResponse): void {
  if (!response.headersSent) response.setHeader('Connection', 'close');
}

/** Stops accepting connections and resolves once every open one has ended. */
function stopListening(server: Server): Promise<void> {
  // http.Server#close would also close idle connections right away (see HANG_UP_WINDOW_MS).
  return new Promise((resolve) => NetServer.prototype.close.call(server, () => resolve()));
}

/**
 * From now on every response tells its client to hang up after it: the client closes the connection
 * itself once it has read the answer, where a close of ours could cross a request it is sending.
 */
function askEveryClientToHangUp(server: Server): void {
  server.prependListener('request', (_request, response: ServerResponse) => askToHangUp(response));
  responsesInProgress.get(server)?.forEach(askToHangUp);
}

/**
 * A closed listener alone does not drain: kept-alive connections go on carrying new requests until
 * the timeout cuts them mid-request. So clients are asked to hang up (already during a drain delay),
 * and connections are closed once they fall idle; only a truly stuck request meets the timeout.
 */
async function closeServer(server: Server, timeoutMs: number, logger: Logger): Promise<void> {
  const closed = stopListening(server);
  let sweep: NodeJS.Timeout | undefined;
  const startSweeping = setTimeout(
    () => {
      sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
    },
    Math.min(HANG_UP_WINDOW_MS, timeoutMs),
  );
  try {
    if (!(await settlesWithin(closed, timeoutMs))) {
      logger.warn({ timeoutMs }, 'in-flight requests did not finish in time; closing their connections');
      server.closeAllConnections();
      await closed;
    }
  } finally {
    clearTimeout(startSweeping);
    clearInterval(sweep);
  }
}

export interface ShutdownOptions {
  server: Server;
  lifecycle: Lifecycle;
  logger: Logger;
  timeoutMs: number;
  /**
   * How long the server keeps taking requests after the stop signal, readiness already failing,
   * before it closes. Load balancers that find replicas through DNS (nginx re-resolves every 10 s,
   * the gateway every UPSTREAM_RESOLVE_MS) keep sending to a stopping replica until their next
   * lookup; once it has exited, its address answers nothing and they wait out a connect timeout
   * (a failed request during a Swarm rolling update). 0 (default) closes at once.
   */
  drainDelayMs?: number;
  /**
   * Run in order after the server stopped: background loops first, then clients. Together they get
   * `timeoutMs` too; whatever has not closed by then is abandoned (logged), so a dependency that is
   * already gone (a loop retrying a dead database) cannot hold the process past its stop signal.
   */
  closers: Closer[];
}

/**
 * Runs `closers` in order, then stops tracing (last: the spans of the closers above still go out).
 * Together they get `timeoutMs`; whatever has not closed by then is abandoned (logged).
 */
export async function closeInOrder(closers: Closer[], timeoutMs: number, logger: Logger): Promise<void> {
  const closing = (async () => {
    for (const close of [...closers, shutdownTracing]) {
      try {
        await close();
      } catch (error) {
        logger.error({ err: error }, 'error while closing a dependency');
      }
    }
  })();
  if (await settlesWithin(closing, timeoutMs)) logger.info('shutdown complete');
  else logger.warn({ timeoutMs }, 'dependencies did not close in time; exiting anyway');
}

/** Stop taking traffic, let in-flight requests finish (bounded), then release connections (bounded). */
export async function shutdown(options: ShutdownOptions): Promise<void> {
  const { logger } = options;
  options.lifecycle.beginShutdown();
  // A proxy that cannot retry a POST on another replica (nginx) loses it when we close a kept-alive
  // connection just as it sends one; hung up by the proxy after each answer, none is left to close.
  askEveryClientToHangUp(options.server);
  if (options.drainDelayMs) {
    logger.info({ drainDelayMs: options.drainDelayMs }, 'still serving while load balancers catch up');
    await new Promise((resolve) => setTimeout(resolve, options.drainDelayMs));
  }
  await closeServer(options.server, options.timeoutMs, logger);
  if (!(await settlesWithin(handlersDone(options.server), options.timeoutMs))) {
    const running = [...(handlersInProgress.get(options.server) ?? [])].map(
      (response) => `${response.req.method} ${response.req.url}`,
    );
    logger.warn(
      { timeoutMs: options.timeoutMs, running },
      'request handlers still running; closing dependencies anyway',
    );
  }
  await closeInOrder(options.closers, options.timeoutMs, logger);
}

/** SIGTERM/SIGINT run `stop` (a graceful shutdown), then exit; a second signal exits at once. */
export function stopOnSignals(stop: () => Promise<void>, logger: Logger): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal, exiting immediately');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/** Runs a service's start-up; a configuration problem prints one line, anything else is logged. */
export function runMain(start: () => Promise<void>): void {
  start().catch((error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
    } else {
      process.stderr.write(
        `${JSON.stringify({ level: 'fatal', msg: 'start-up failed', err: String(error) })}\n`,
      );
    }
    process.exit(1);
  });
}
