#!/usr/bin/env node
// The local stack behind `npm start` (see scripts/start-local.sh):
//   - FerretDB (SQLite in .data/ferretdb) on :27017 unless MONGODB_URL is set,
//   - redis-server (.data/redis) on :6379 unless REDIS_URL is set,
//   - user :3001, product :3002, order :3003,
//   - two gateways (:3000, :3010) behind nginx (:8080) when nginx is installed, else one on :3000,
//   - Prometheus (:9090) when installed and monitoring/prometheus/prometheus.local.yml exists.
// Every variable in the environment overrides the local defaults below, except the fixed ports.
// The processes run under concurrently (prefixed output, signal forwarding, kill-others-on-exit).
//
// Switches: START_NGINX=0, START_PROMETHEUS=0, START_SKIP_BUILD=1, LOCAL_DATA_DIR=<dir>.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createConcurrently, KillOnSignal, LogError, LogExit, LogOutput, Logger } from 'concurrently';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const env = process.env;
const dataDir = path.resolve(root, env.LOCAL_DATA_DIR || '.data');
const HOST = '127.0.0.1';

const log = (message) => console.log(`[start] ${message}`);
function die(message) {
  console.error(`[start] ERROR: ${message}`);
  process.exit(1);
}

// --- what to start -----------------------------------------------------------------------------

function which(name) {
  for (const dir of (env.PATH || '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function findFerretDb() {
  const candidates = [
    which('ferretdb'),
    path.join(os.homedir(), 'go', 'bin', 'ferretdb'),
    '/root/go/bin/ferretdb',
  ];
  if (which('go')) {
    try {
      const gopath = execFileSync('go', ['env', 'GOPATH'], { encoding: 'utf8' })
        .trim()
        .split(path.delimiter)[0];
      if (gopath) candidates.push(path.join(gopath, 'bin', 'ferretdb'));
    } catch {
      // no usable Go
    }
  }
  return candidates.find((file) => {
    try {
      return file && (accessSync(file, constants.X_OK), true);
    } catch {
      return false;
    }
  });
}

const startMongo = !env.MONGODB_URL;
const startRedis = !env.REDIS_URL;
let ferretdb = startMongo ? findFerretDb() : undefined;
let redisServer = startRedis ? which('redis-server') : undefined;

// scripts/setup.sh installs redis-server and builds FerretDB on Debian/Ubuntu; only when needed.
if ((startMongo && !ferretdb) || (startRedis && !redisServer)) {
  log('redis-server or FerretDB is missing: running scripts/setup.sh to install it');
  const setup = spawnSync('bash', [path.join(root, 'scripts', 'setup.sh')], {
    stdio: 'inherit',
    env: { ...env, SETUP_SKIP_NPM: '1' },
  });
  if (setup.status !== 0)
    die('scripts/setup.sh failed; install redis-server and FerretDB, or set MONGODB_URL/REDIS_URL');
  ferretdb = startMongo ? findFerretDb() : undefined;
  redisServer = startRedis ? which('redis-server') : undefined;
  if (startMongo && !ferretdb) die('FerretDB still not found; set MONGODB_URL to use another MongoDB');
  if (startRedis && !redisServer) die('redis-server still not found; set REDIS_URL to use another Redis');
}

const nginx = env.START_NGINX !== '0' ? which('nginx') : undefined;
const prometheusConfig = path.join(root, 'monitoring', 'prometheus', 'prometheus.local.yml');
const prometheus =
  env.START_PROMETHEUS !== '0' && existsSync(prometheusConfig) ? which('prometheus') : undefined;

// --- fixed ports (scripts and docs rely on them) -----------------------------------------------

const PORTS = { mongo: 27017, redis: 6379, user: 3001, product: 3002, order: 3003, gateway: 3000 };
const GATEWAY_2_PORT = 3010;
const NGINX_PORT = 8080;
const PROMETHEUS_PORT = 9090;

function portInUse(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: HOST, port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

const wanted = [
  ...(startMongo ? [['FerretDB', PORTS.mongo]] : []),
  ...(startRedis ? [['redis-server', PORTS.redis]] : []),
  ['user-service', PORTS.user],
  ['product-service', PORTS.product],
  ['order-service', PORTS.order],
  ['api-gateway', PORTS.gateway],
  ...(nginx
    ? [
        ['api-gateway (2nd replica)', GATEWAY_2_PORT],
        ['nginx', NGINX_PORT],
      ]
    : []),
  ...(prometheus ? [['Prometheus', PROMETHEUS_PORT]] : []),
];
const busy = [];
for (const [name, port] of wanted) if (await portInUse(port)) busy.push(`${port} (${name})`);
if (busy.length > 0) die(`port(s) already in use: ${busy.join(', ')}. Is another stack running?`);

// --- local defaults (never used in production) --------------------------------------------------

const nodeEnv = env.NODE_ENV || 'development';
const defaults = {};
if (nodeEnv !== 'production') {
  // The dev JWT secret is the kit's default; the admin account makes the README walkthrough work.
  defaults.ADMIN_EMAIL = 'admin@example.com';
  defaults.ADMIN_PASSWORD = 'admin-dev-password';
}
// Defaults first, the caller's environment wins.
const shared = { ...defaults, ...env, NODE_ENV: nodeEnv };

// --- build ---------------------------------------------------------------------------------------

if (env.START_SKIP_BUILD !== '1') {
  log('building (npm run build)');
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) die('build failed');
}

// --- processes -----------------------------------------------------------------------------------

const quote = (value) => `'${String(value).replace(/'/g, `'\\''`)}'`;
const exec = (...argv) => `exec ${argv.map(quote).join(' ')}`;
const node = (main) => exec(process.execPath, '--enable-source-maps', path.join(root, main));

const commands = [];
if (startMongo) {
  const dir = path.join(dataDir, 'ferretdb');
  mkdirSync(dir, { recursive: true });
  commands.push({
    name: 'mongo',
    command: exec(
      ferretdb,
      '--handler=sqlite',
      // WAL without an fsync per commit: twice the write throughput at half the CPU (measured: 9,000
      // _id writes 989/s → 2,145/s). A power cut may lose the last commits of this local stand-in,
      // never corrupt it; Compose runs real MongoDB with its own durability.
      `--sqlite-url=file:${dir}/?_pragma=synchronous(normal)`,
      `--state-dir=${dir}`,
      `--listen-addr=${HOST}:${PORTS.mongo}`,
      '--debug-addr=-',
      '--telemetry=disable',
      '--log-level=warn',
    ),
  });
}
if (startRedis) {
  const dir = path.join(dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  commands.push({
    name: 'redis',
    // Append-only file: refresh tokens and the order-events stream survive a restart.
    command: exec(
      redisServer,
      '--bind',
      HOST,
      '--port',
      PORTS.redis,
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--save',
      '',
    ),
  });
}
commands.push(
  { name: 'user', command: node('user-service/dist/main.js'), env: { PORT: String(PORTS.user) } },
  { name: 'product', command: node('product-service/dist/main.js'), env: { PORT: String(PORTS.product) } },
  { name: 'order', command: node('order-service/dist/main.js'), env: { PORT: String(PORTS.order) } },
);
const gatewayEnv = { TRUST_PROXY_HOPS: env.TRUST_PROXY_HOPS || (nginx ? '1' : '0') };
commands.push({
  name: 'gateway',
  command: node('api-gateway/dist/main.js'),
  env: { ...gatewayEnv, PORT: String(PORTS.gateway) },
});
if (nginx) {
  commands.push({
    name: 'gateway-2',
    command: node('api-gateway/dist/main.js'),
    env: { ...gatewayEnv, PORT: String(GATEWAY_2_PORT) },
  });
  const nginxDir = path.join(dataDir, 'nginx');
  const rendered = execFileSync(
    process.execPath,
    [
      path.join(root, 'scripts', 'start-nginx-config.mjs'),
      '--data-dir',
      nginxDir,
      '--listen',
      `${HOST}:${NGINX_PORT}`,
      `--tls-listen=${HOST}:8443`, // HTTPS + HTTP/2, dev certificate in .data/nginx/tls
      '--gateway',
      `${HOST}:${PORTS.gateway}`,
      '--gateway',
      `${HOST}:${GATEWAY_2_PORT}`,
    ],
    { encoding: 'utf8' },
  ).trim();
  commands.push({
    name: 'nginx',
    command: exec(nginx, '-p', nginxDir, '-c', rendered, '-e', 'stderr', '-g', 'daemon off;'),
  });
}
if (prometheus) {
  const dir = path.join(dataDir, 'prometheus');
  mkdirSync(dir, { recursive: true });
  commands.push({
    name: 'prometheus',
    command: exec(
      prometheus,
      `--config.file=${prometheusConfig}`,
      `--storage.tsdb.path=${dir}`,
      `--web.listen-address=${HOST}:${PROMETHEUS_PORT}`,
      '--log.level=warn',
    ),
  });
}

// Each process gets its own process group: Ctrl-C then reaches only concurrently, which forwards
// exactly one signal to each. (Otherwise the terminal's SIGINT plus the forwarded one would count
// as a second signal, which makes the services skip their graceful shutdown.)
const spawnDetached = (command, options) => spawn('/bin/sh', ['-c', command], { ...options, detached: true });

/**
 * The stack is all or nothing: a process ending on its own (crash, bad configuration) stops the
 * others. Unlike concurrently's KillOthers it stays quiet once a shutdown signal was forwarded, so
 * nobody gets a second signal (which the services treat as "exit now, skip the graceful part").
 */
class StopAllWhenOneEnds {
  stopping = false;

  constructor(logger) {
    this.logger = logger;
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(signal, () => (this.stopping = true));
  }

  handle(commands) {
    for (const command of commands) {
      command.close.subscribe(({ exitCode }) => {
        if (this.stopping) return;
        this.stopping = true;
        this.logger.logGlobalEvent(`${command.name} ended (exit code ${exitCode}); stopping the others`);
        for (const other of commands) other.kill('SIGTERM');
        setTimeout(() => commands.forEach((other) => other.kill('SIGKILL')), 15_000).unref();
      });
    }
    return { commands };
  }
}

const logger = new Logger({ prefixFormat: 'name' });
const { result } = createConcurrently(
  commands.map((command) => ({ ...command, env: { ...shared, ...command.env } })),
  {
    logger,
    outputStream: process.stdout,
    spawn: spawnDetached,
    prefixColors: ['blue', 'magenta', 'green', 'yellow', 'cyan', 'white', 'gray', 'red', 'blueBright'],
    controllers: [
      new LogError({ logger }),
      new LogOutput({ logger }),
      new LogExit({ logger }),
      new KillOnSignal({ process }),
      new StopAllWhenOneEnds(logger),
    ],
  },
);

// --- tell the user where things are --------------------------------------------------------------

const entry = nginx ? `http://${HOST}:${NGINX_PORT}` : `http://${HOST}:${PORTS.gateway}`;
if (shared.ADMIN_EMAIL && shared.ADMIN_PASSWORD) {
  log(`admin account: ${shared.ADMIN_EMAIL} / ${shared.ADMIN_PASSWORD}  (ADMIN_EMAIL / ADMIN_PASSWORD)`);
}

/** Status code of a GET, or 0 when nothing answers within two seconds. */
function statusOf(url) {
  return new Promise((resolve) => {
    const request = http.get(url, { timeout: 2_000 }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(0));
  });
}

async function announceWhenUp() {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if ((await statusOf(`${entry}/health`)) === 200) {
      const lines = [
        'stack is up',
        `  API:         ${entry}/api  (gateway ${PORTS.gateway}${nginx ? ` and ${GATEWAY_2_PORT}, nginx ${NGINX_PORT}` : ''})`,
        `  Swagger UI:  ${entry}/api/docs/`,
        `  health:      ${entry}/health`,
        ...(prometheus ? [`  Prometheus:  http://${HOST}:${PROMETHEUS_PORT}`] : []),
        ...(shared.ADMIN_EMAIL ? [`  admin:       ${shared.ADMIN_EMAIL} / ${shared.ADMIN_PASSWORD}`] : []),
        '  Ctrl-C stops everything.',
      ];
      log(lines.join('\n'));
      return;
    }
    await sleep(1_000);
  }
  log(`the stack did not become healthy within 2 minutes; see ${entry}/health`);
}
void announceWhenUp();

// Exit codes were logged per process; after Ctrl-C concurrently counts them all as success.
result.then(
  () => process.exit(0),
  () => process.exit(1),
);
