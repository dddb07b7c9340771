/**
 * Tracing overhead, measured as a ratio on one machine in one run: two gateway + product-service
 * pairs built from the same dist/, one exporting every span (always_on sampler, the default
 * OTLP/HTTP protobuf exporter) to a local sink, one with tracing off, loaded in alternating rounds
 * with the same cached GET /api/products through the gateway (gateway, proxy, product-service,
 * Redis spans per request). Needs MongoDB and Redis (MONGODB_URL, REDIS_URL) and a build.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpClient } from './http';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const HOST = '127.0.0.1';

interface Measured {
  rps: number;
  errors: number;
}

export interface TracingBenchOptions {
  mongoUrl: string;
  redisUrl: string;
  connections: number;
  durationSec: number;
  warmupSec: number;
  rounds: number;
  /** The bench's closed loop: N connections for durationSec against one path. */
  measure: (name: string, client: HttpClient, path: string) => Promise<Measured>;
  log: (line: string) => void;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, HOST);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  return port;
}

/** Accepts OTLP export requests and throws them away, counting them. */
async function startSink(): Promise<{ url: string; requests: () => number; server: Server }> {
  let requests = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  server.listen(0, HOST);
  await once(server, 'listening');
  return {
    url: `http://${HOST}:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    server,
  };
}

function start(main: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [path.join(REPO_ROOT, main)], {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'development', LOG_LEVEL: 'warn', HOST, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function waitFor(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(url).then(
      (res) => res.status === 200,
      () => false,
    );
    if (ok) return;
    await sleep(200);
  }
  throw new Error(`${url} did not answer 200 in time`);
}

interface Pair {
  gatewayUrl: string;
  processes: ChildProcess[];
}

async function startPair(options: TracingBenchOptions, tracing: Record<string, string>): Promise<Pair> {
  const [productPort, gatewayPort, nowhere] = [await freePort(), await freePort(), await freePort()];
  const product = start('product-service/dist/main.js', {
    ...tracing,
    PORT: String(productPort),
    MONGODB_URL: options.mongoUrl,
    REDIS_URL: options.redisUrl,
    ORDER_EVENTS_CONSUMER: `bench-${productPort}`,
  });
  const gateway = start('api-gateway/dist/main.js', {
    ...tracing,
    PORT: String(gatewayPort),
    REDIS_URL: options.redisUrl,
    PRODUCT_SERVICE_URL: `http://${HOST}:${productPort}`,
    USER_SERVICE_URL: `http://${HOST}:${nowhere}`,
    ORDER_SERVICE_URL: `http://${HOST}:${nowhere}`,
    RATE_LIMIT_MAX: '100000000',
    RATE_LIMIT_KEY_PREFIX: `bench:tracing:${gatewayPort}:`,
  });
  const gatewayUrl = `http://${HOST}:${gatewayPort}`;
  await waitFor(`${gatewayUrl}/api/products?limit=1`);
  return { gatewayUrl, processes: [product, gateway] };
}

async function stopPair(pair: Pair | undefined): Promise<void> {
  for (const child of pair?.processes ?? []) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  }
}

export async function tracingOverhead(options: TracingBenchOptions) {
  const sink = await startSink();
  const listPath = '/api/products?page=1&limit=20&sort=-createdAt';
  let off: Pair | undefined;
  let on: Pair | undefined;
  try {
    off = await startPair(options, {});
    on = await startPair(options, {
      OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
      OTEL_TRACES_SAMPLER: 'always_on',
    });
    const offClient = new HttpClient(off.gatewayUrl, { connections: options.connections });
    const onClient = new HttpClient(on.gatewayUrl, { connections: options.connections });
    const totals = {
      off: { requests: 0, rps: [] as number[], errors: 0 },
      on: { requests: 0, rps: [] as number[], errors: 0 },
    };
    try {
      for (let round = 1; round <= options.rounds; round++) {
        // Alternate which goes first, so a drift in machine load hits both alike.
        const order = round % 2 === 1 ? (['off', 'on'] as const) : (['on', 'off'] as const);
        for (const mode of order) {
          const client = mode === 'on' ? onClient : offClient;
          const result = await options.measure(`round ${round} tracing ${mode}`, client, listPath);
          totals[mode].rps.push(result.rps);
          totals[mode].errors += result.errors;
        }
      }
    } finally {
      await offClient.close();
      await onClient.close();
    }
    const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / Math.max(values.length, 1);
    const offRps = Math.round(mean(totals.off.rps) * 10) / 10;
    const onRps = Math.round(mean(totals.on.rps) * 10) / 10;
    const result = {
      path: listPath,
      rounds: options.rounds,
      offRps,
      onRps,
      offRoundsRps: totals.off.rps,
      onRoundsRps: totals.on.rps,
      errors: totals.off.errors + totals.on.errors,
      exportRequests: sink.requests(),
      throughputRatio: offRps > 0 ? Math.round((onRps / offRps) * 1000) / 1000 : null,
    };
    options.log(
      `  tracing on/off: ${onRps} / ${offRps} rps = ${result.throughputRatio} (${result.exportRequests} OTLP exports received)`,
    );
    return result;
  } finally {
    await stopPair(on);
    await stopPair(off);
    sink.server.close();
  }
}
