/**
 * Ratio benchmarks that stay meaningful on a noisy machine (each pair is measured back to back):
 *   hello      bare node:http hello-world: the ceiling
 *   gateway    cached GET /products through the gateway vs directly on product-service
 *   cache      cached vs uncached product list (directly on product-service)
 *   bcrypt     registrations/s through the gateway vs raw bcrypt hashes/s at the same cost
 *   tracing    cached GET /api/products through a gateway + product-service pair with tracing at
 *              100% sampling vs a pair with tracing off (own processes; not in the default list)
 *   middleware CPU per request of a service's shared HTTP stack (createHttpApp) vs bare node:http,
 *              alternating bursts (own processes, no stack needed; not in the default list)
 * Usage: npm run -w @ecom/load-tests bench -- [--only hello,gateway,cache,bcrypt,tracing,middleware] [--connections 50]
 *        [--duration 10] [--rounds 10] [--product-url http://127.0.0.1:3002] [--tracing-rounds 3]
 *        (tracing uses MONGODB_URL and REDIS_URL, default the npm start ones)
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { GATEWAY_URL } from './args';
import { header, HttpClient, type HttpResult } from './http';
import { type LatencySummary, NumberBuffer, summarizeLatencies } from './stats';
import { middlewareOverhead } from './middleware-bench';
import { tracingOverhead } from './tracing-bench';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const log = (line: string) => console.log(line);

export interface BenchResult {
  name: string;
  requests: number;
  errors: number;
  rps: number;
  latency: LatencySummary;
  cacheHitRatio: number | null;
  statuses: Record<string, number>;
}

interface LoopOptions {
  name: string;
  client: HttpClient;
  connections: number;
  durationSec: number;
  warmupSec: number;
  expected: number;
  send: (client: HttpClient, sequence: number) => Promise<HttpResult>;
}

/** N closed loops over one keep-alive pool for a fixed time, after an unrecorded warm-up. */
async function closedLoop(options: LoopOptions): Promise<BenchResult> {
  let sequence = 0;
  const run = async (seconds: number, record: boolean) => {
    const latencies = new NumberBuffer();
    const statuses: Record<string, number> = {};
    let hits = 0;
    let misses = 0;
    let errors = 0;
    const started = performance.now();
    const endAt = started + seconds * 1000;
    await Promise.all(
      Array.from({ length: options.connections }, async () => {
        while (performance.now() < endAt) {
          const result = await options.send(options.client, sequence++);
          if (!record) continue;
          const key = result.status === 0 ? 'network_error' : String(result.status);
          statuses[key] = (statuses[key] ?? 0) + 1;
          if (result.status !== options.expected) errors++;
          if (result.status > 0) latencies.push(result.latencyMs);
          const cache = header(result, 'x-cache');
          if (cache === 'HIT') hits++;
          else if (cache === 'MISS') misses++;
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    const requests = Object.values(statuses).reduce((sum, count) => sum + count, 0);
    return {
      name: options.name,
      requests,
      errors,
      rps: Math.round((requests / elapsed) * 10) / 10,
      latency: summarizeLatencies(latencies.values()),
      cacheHitRatio: hits + misses > 0 ? Math.round((hits / (hits + misses)) * 10_000) / 10_000 : null,
      statuses,
    };
  };
  if (options.warmupSec > 0) await run(options.warmupSec, false);
  const result = await run(options.durationSec, true);
  log(
    `  ${result.name}: ${result.rps} rps, p50 ${result.latency.p50} ms, p95 ${result.latency.p95} ms, ` +
      `p99 ${result.latency.p99} ms, ${result.errors} errors` +
      (result.cacheHitRatio === null ? '' : `, cache hit ${(result.cacheHitRatio * 100).toFixed(1)}%`),
  );
  return result;
}

async function startHelloServer(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, [path.join(__dirname, 'hello-server.js')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let buffer = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const match = /listening (\d+)/.exec(buffer);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`hello server exited (${code})`)));
  });
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
}

interface BcryptModule {
  hash(data: string, rounds: number): Promise<string>;
}

/** The bcrypt that user-service uses, resolved from user-service itself (not a load-tests dependency). */
function loadBcrypt(): BcryptModule {
  return createRequire(path.join(REPO_ROOT, 'user-service', 'package.json'))('bcrypt') as BcryptModule;
}

async function bcryptThroughput(rounds: number, concurrency: number, durationSec: number) {
  const bcrypt = loadBcrypt();
  const latencies = new NumberBuffer();
  await bcrypt.hash('warm-up-password', rounds);
  const started = performance.now();
  const endAt = started + durationSec * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < endAt) {
        const t0 = performance.now();
        await bcrypt.hash('load-test-password-1', rounds);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const result = {
    name: `raw bcrypt.hash cost ${rounds}`,
    hashes: latencies.length,
    perSecond: Math.round((latencies.length / elapsed) * 10) / 10,
    threadpool: Number(process.env.UV_THREADPOOL_SIZE ?? 4),
    latency: summarizeLatencies(latencies.values()),
  };
  log(
    `  ${result.name}: ${result.perSecond} hashes/s (threadpool ${result.threadpool}), p50 ${result.latency.p50} ms`,
  );
  return result;
}

const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 1000) / 1000 : null);

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: 'string', default: 'hello,gateway,cache,bcrypt' },
      connections: { type: 'string', default: '50' },
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '2' },
      rounds: { type: 'string', default: process.env.BCRYPT_ROUNDS ?? '10' },
      'product-url': { type: 'string', default: process.env.PRODUCT_SERVICE_URL ?? 'http://127.0.0.1:3002' },
      'base-url': { type: 'string', default: process.env.BASE_URL ?? GATEWAY_URL },
      'tracing-rounds': { type: 'string', default: '3' },
    },
  });
  const only = new Set(values.only.split(',').map((item) => item.trim()));
  const connections = Number(values.connections);
  const durationSec = Number(values.duration);
  const warmupSec = Number(values.warmup);
  const rounds = Number(values.rounds);
  const baseUrl = values['base-url'].replace(/\/+$/, '');
  const productUrl = values['product-url'].replace(/\/+$/, '');
  if (
    ![connections, durationSec, warmupSec, rounds].every((value) => Number.isInteger(value) && value >= 0)
  ) {
    console.error('--connections, --duration, --warmup and --rounds take whole numbers');
    return 2;
  }
  const results: Record<string, unknown> = {};
  const common = { connections, durationSec, warmupSec };
  const listPath = '/products?page=1&limit=20&sort=-createdAt';

  if (only.has('hello')) {
    log('hello: bare node:http hello-world (the ceiling)');
    const server = await startHelloServer();
    const client = new HttpClient(server.url, { connections });
    try {
      results.hello = await closedLoop({
        ...common,
        name: 'node:http hello world',
        client,
        expected: 200,
        send: (c) => c.send('GET', '/'),
      });
    } finally {
      await client.close();
      server.stop();
    }
  }

  if (only.has('gateway')) {
    log('gateway: cached GET /products through the gateway vs directly on product-service');
    const viaGateway = new HttpClient(baseUrl, { connections });
    const direct = new HttpClient(productUrl, { connections });
    try {
      const gateway = await closedLoop({
        ...common,
        name: `gateway ${baseUrl}/api${listPath}`,
        client: viaGateway,
        expected: 200,
        send: (c) => c.send('GET', `/api${listPath}`),
      });
      const service = await closedLoop({
        ...common,
        name: `direct ${productUrl}${listPath}`,
        client: direct,
        expected: 200,
        send: (c) => c.send('GET', listPath),
      });
      results.gateway = {
        gateway,
        direct: service,
        addedLatencyP50Ms: Math.round((gateway.latency.p50 - service.latency.p50) * 100) / 100,
        addedLatencyP95Ms: Math.round((gateway.latency.p95 - service.latency.p95) * 100) / 100,
        throughputRatio: ratio(gateway.rps, service.rps),
      };
    } finally {
      await viaGateway.close();
      await direct.close();
    }
  }

  if (only.has('cache')) {
    log('cache: cached vs uncached product list (directly on product-service)');
    const direct = new HttpClient(productUrl, { connections });
    try {
      const cached = await closedLoop({
        ...common,
        name: 'cached list (same query)',
        client: direct,
        expected: 200,
        send: (c) => c.send('GET', listPath),
      });
      const salt = Date.now() % 100_000;
      const uncached = await closedLoop({
        ...common,
        name: 'uncached list (a new maxPrice each time)',
        client: direct,
        expected: 200,
        // Every query string is new, so every lookup misses and goes to MongoDB; the filter still
        // matches the same products as the cached query.
        send: (c, sequence) =>
          c.send('GET', `${listPath}&maxPrice=${100_000 + ((salt + sequence) % 800_000)}`),
      });
      results.cache = {
        cached,
        uncached,
        throughputRatio: ratio(cached.rps, uncached.rps),
        p50Ratio: ratio(uncached.latency.p50, cached.latency.p50),
      };
    } finally {
      await direct.close();
    }
  }

  if (only.has('bcrypt')) {
    log(
      `bcrypt: registrations/s through the gateway vs raw bcrypt hashes/s (cost ${rounds}) on this machine`,
    );
    const raw = await bcryptThroughput(rounds, connections, durationSec);
    const client = new HttpClient(baseUrl, { connections });
    const tag = Date.now().toString(36);
    try {
      const registration = await closedLoop({
        ...common,
        name: 'POST /api/auth/register',
        client,
        expected: 201,
        send: (c, sequence) =>
          c.send('POST', '/api/auth/register', {
            json: {
              email: `bench-${tag}-${sequence}@loadtest.example.com`,
              password: 'load-test-password-1',
              name: 'Bench',
            },
          }),
      });
      results.bcrypt = { raw, registration, registrationToRawRatio: ratio(registration.rps, raw.perSecond) };
    } finally {
      await client.close();
    }
  }

  if (only.has('tracing')) {
    log('tracing: gateway + product-service with tracing at 100% sampling vs off, alternating rounds');
    results.tracing = await tracingOverhead({
      ...common,
      rounds: Number(values['tracing-rounds']),
      mongoUrl: process.env.MONGODB_URL ?? 'mongodb://127.0.0.1:27017/products',
      redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      measure: (name, client, target) =>
        closedLoop({ ...common, name, client, expected: 200, send: (c) => c.send('GET', target) }),
      log,
    });
  }

  if (only.has('middleware')) {
    log('middleware: CPU per request of createHttpApp vs bare node:http, alternating bursts');
    results.middleware = await middlewareOverhead({
      connections,
      burstSec: 1.5,
      rounds: 8,
      log,
    });
  }

  const report = {
    tool: '@ecom/load-tests bench',
    startedAt: new Date().toISOString(),
    command: ['npm run -w @ecom/load-tests bench --', ...argv].join(' '),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model.trim(),
      loadAverage: os.loadavg(),
      node: process.version,
    },
    settings: { connections, durationSec, warmupSec, rounds, baseUrl, productUrl },
    results,
  };
  const dir = path.join(REPO_ROOT, 'load-tests', 'reports');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${report.startedAt.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-')}-bench.json`);
  writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
  log(
    JSON.stringify(
      results,
      (key, value: unknown) => (key === 'statuses' || key === 'latency' ? undefined : value),
      2,
    ),
  );
  log(`report: ${path.relative(process.cwd(), file)}`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
