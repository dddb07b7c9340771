#!/usr/bin/env node
// The local stack behind `npm start` (see scripts/start-local.sh):
//   - the embedded database unless MONGODB_URL is set: FerretDB v2 on :27017 over PostgreSQL 18 +
//     DocumentDB on :27018 (data in .data/documentdb; built by scripts/install-embedded-db.sh),
//   - redis-server (.data/redis) on :6379 unless REDIS_URL is set,
//   - two replicas of each service: user :3001 + :3011, product :3002 + :3012, order :3003 + :3013,
//   - two gateways (:3000, :3010) behind nginx (:8080) when nginx is installed, else one on :3000,
//     or one of each with START_REPLICAS=1 (the second ports stay free),
//   - Prometheus (:9090) when installed and monitoring/prometheus/prometheus.local.yml exists.
// Every variable in the environment overrides the local defaults below.
// The processes run under scripts/lib/supervisor.mjs: prefixed output, a crashed process is
// restarted with backoff (a crash loop stops the stack), SIGINT/SIGTERM/SIGHUP stop everything.
//
// Only Node's own modules here: on a fresh clone this runs before `npm ci` (which it runs itself).
//
// Switches: START_NGINX=0, START_PROMETHEUS=0, START_SKIP_BUILD=1, START_REPLICAS=1|2, LOCAL_DATA_DIR=<dir>,
// PORT_OFFSET=<n> (every port above + n, for a second stack next to the first),
// START_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' (flags for every Node service; Node refuses
// --cpu-prof in NODE_OPTIONS, and profiling a service under load is what this is for).
// `node scripts/start-local.mjs --free-port-offset` prints an offset whose ports are all free.
// `--dev` (`npm run dev`): the TypeScript build also runs in watch mode, and the processes whose
// package it rebuilt are restarted (scripts/lib/dev-watch.mjs); the data stores stay up.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { setInterval } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { devSigningKeys } from './lib/dev-signing-keys.mjs';
import { BUILD_FINISHED, watchBuildOutput } from './lib/dev-watch.mjs';
import { runOnProjectNode } from './lib/node-runtime.mjs';
import { quietLines } from './lib/quiet-lines.mjs';
import { Supervisor } from './lib/supervisor.mjs';

// Named in /proc: a benchmark's CPU-per-order line then counts the output relayed here (it leaves
// out processes called `node`, the services, which report their own CPU through /metrics).
process.title = 'ecom-supervisor';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const env = process.env;
const dataDir = path.resolve(root, env.LOCAL_DATA_DIR || '.data');
const HOST = '127.0.0.1';

const log = (message) => console.log(`[start] ${message}`);
function die(message) {
  console.error(`[start] ERROR: ${message}`);
  process.exit(1);
}

// --- ports (fixed, scripts and docs rely on them; PORT_OFFSET moves them all) -------------------

const BASE_PORTS = {
  mongo: 27017,
  postgres: 27018,
  redis: 6379,
  gateway: 3000,
  user: 3001,
  product: 3002,
  order: 3003,
  gateway2: 3010,
  user2: 3011,
  product2: 3012,
  order2: 3013,
  nginx: 8080,
  nginxTls: 8443,
  prometheus: 9090,
};

function portInUse(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: HOST, port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

async function allFree(offset) {
  const busy = await Promise.all(Object.values(BASE_PORTS).map((port) => portInUse(port + offset)));
  return !busy.includes(true);
}

// Ports that fetch() refuses to connect to (the WHATWG "bad ports" above 1000), as Node's fetch and
// every browser do: a stack with its gateway on 6000 (offset 3000) or nginx on 10080 (offset 2000)
// would answer curl but not fetch, and the monitoring check polls /ready with fetch.
const FETCH_BLOCKED_PORTS = new Set([
  1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697,
  10080,
]);
const blockedPorts = (offset) =>
  Object.values(BASE_PORTS)
    .map((port) => port + offset)
    .filter((port) => FETCH_BLOCKED_PORTS.has(port));

// Test suites run their own stack next to a developer's `npm start`: they ask for an offset whose
// ports are all free and all reachable by fetch (1000 ... 5500 keeps every port below the kernel's
// ephemeral range).
if (process.argv.includes('--free-port-offset')) {
  for (let offset = 1000; offset <= 5500; offset += 500) {
    if (blockedPorts(offset).length === 0 && (await allFree(offset))) {
      console.log(offset);
      process.exit(0);
    }
  }
  die('no free port offset between 1000 and 5500');
}

// The stack runs on the project's Node.js (.nvmrc): under an older one, this script runs again on it.
await runOnProjectNode(root);
log(`Node.js ${process.version} (${process.execPath})`);

const offset = Number(env.PORT_OFFSET || 0);
if (!Number.isInteger(offset) || offset < 0 || offset > 30_000) die('PORT_OFFSET must be an integer 0-30000');
if (blockedPorts(offset).length > 0) {
  log(
    `warning: PORT_OFFSET=${offset} puts ports ${blockedPorts(offset).join(', ')} on fetch()'s blocked list; browsers and fetch will refuse them`,
  );
}
const PORTS = Object.fromEntries(Object.entries(BASE_PORTS).map(([name, port]) => [name, port + offset]));
// Two replicas show (and the chaos test proves) that a replica's restart costs no request; one of
// each leaves a small machine's cores to the work itself (BENCHMARKS.md measures both).
const replicaCount = Number(env.START_REPLICAS || 2);
if (replicaCount !== 1 && replicaCount !== 2) die('START_REPLICAS must be 1 or 2');

// --- what to install and start ------------------------------------------------------------------

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

/** The embedded database's build is in its cache, as scripts/install-embedded-db.sh made it. */
function embeddedDbBuilt() {
  return (
    spawnSync('bash', [path.join(root, 'scripts', 'install-embedded-db.sh'), '--is-current']).status === 0
  );
}

const embeddedDb = (...args) =>
  execFileSync('bash', [path.join(root, 'scripts', 'embedded-db.sh'), ...args], { encoding: 'utf8' }).trim();

/**
 * node_modules as `npm ci` leaves it: npm's own record is newer than package-lock.json, and
 * scripts/setup.sh installed it with this Node's ABI (native modules are built for one).
 */
function nodeModulesCurrent() {
  try {
    const installed = statSync(path.join(root, 'node_modules', '.package-lock.json')).mtimeMs;
    const abi = readFileSync(path.join(root, 'node_modules', '.node-abi'), 'utf8').trim();
    return (
      installed >= statSync(path.join(root, 'package-lock.json')).mtimeMs && abi === process.versions.modules
    );
  } catch {
    return false;
  }
}

const startMongo = !env.MONGODB_URL;
const startRedis = !env.REDIS_URL;
let mongoBuilt = startMongo ? embeddedDbBuilt() : true;
let redisServer = startRedis ? which('redis-server') : undefined;

// The same setup as `npm test` (scripts/setup.sh: redis-server and the embedded database on
// Debian/Ubuntu, `npm ci`), only when something is missing: a fresh clone needs no step before `npm start`.
if (!mongoBuilt || (startRedis && !redisServer) || !nodeModulesCurrent()) {
  log('first start (or dependencies changed): running scripts/setup.sh');
  const setup = spawnSync('bash', [path.join(root, 'scripts', 'setup.sh')], { stdio: 'inherit', env });
  if (setup.status !== 0)
    die('scripts/setup.sh failed; install redis-server, or set MONGODB_URL (any MongoDB 7) and REDIS_URL');
  mongoBuilt = startMongo ? embeddedDbBuilt() : true;
  redisServer = startRedis ? which('redis-server') : undefined;
  if (!mongoBuilt) die('the embedded database is still not built; set MONGODB_URL to use another MongoDB');
  if (startRedis && !redisServer) die('redis-server still not found; set REDIS_URL to use another Redis');
}

const nginx = env.START_NGINX !== '0' ? which('nginx') : undefined;
const prometheusConfig = path.join(root, 'monitoring', 'prometheus', 'prometheus.local.yml');
const prometheus =
  env.START_PROMETHEUS !== '0' && existsSync(prometheusConfig) ? which('prometheus') : undefined;

const wanted = [
  ...(startMongo
    ? [
        ['FerretDB', PORTS.mongo],
        ['PostgreSQL', PORTS.postgres],
      ]
    : []),
  ...(startRedis ? [['redis-server', PORTS.redis]] : []),
  ['user-service', PORTS.user],
  ['product-service', PORTS.product],
  ['order-service', PORTS.order],
  ['api-gateway', PORTS.gateway],
  ...(replicaCount === 2
    ? [
        ['user-service (2nd replica)', PORTS.user2],
        ['product-service (2nd replica)', PORTS.product2],
        ['order-service (2nd replica)', PORTS.order2],
        ...(nginx ? [['api-gateway (2nd replica)', PORTS.gateway2]] : []),
      ]
    : []),
  ...(nginx ? [['nginx', PORTS.nginx]] : []),
  ...(prometheus ? [['Prometheus', PORTS.prometheus]] : []),
];
const busy = [];
for (const [name, port] of wanted) if (await portInUse(port)) busy.push(`${port} (${name})`);
if (busy.length > 0) {
  die(
    `port(s) already in use: ${busy.join(', ')}. Is another stack running? ` +
      'PORT_OFFSET=1000 npm start runs a second one on ports + 1000.',
  );
}

// --- local defaults (never used in production) --------------------------------------------------

const nodeEnv = env.NODE_ENV || 'development';
const url = (port) => `http://${HOST}:${port}`;
// Every service runs twice by default: a replica can stop or crash while the other serves (see the
// gateway's ReplicaPool); the gateways and order-service (for product-service) get every address.
const SERVICE_REPLICAS = {
  user: [PORTS.user, PORTS.user2].slice(0, replicaCount),
  product: [PORTS.product, PORTS.product2].slice(0, replicaCount),
  order: [PORTS.order, PORTS.order2].slice(0, replicaCount),
};
// nginx balances over the gateways; without it, one gateway is the entry point.
const GATEWAYS = (nginx ? [PORTS.gateway, PORTS.gateway2] : [PORTS.gateway]).slice(0, replicaCount);
const gatewayName = (index) => (index === 0 ? 'gateway' : `gateway-${index + 1}`);
const replicaUrls = (service) => SERVICE_REPLICAS[service].map(url).join(',');
const defaults = {
  // The supervisor stops everything within 10 s: the services' graceful part must fit well inside.
  SHUTDOWN_TIMEOUT_MS: '5000',
  USER_SERVICE_URL: replicaUrls('user'),
  PRODUCT_SERVICE_URL: replicaUrls('product'),
  ORDER_SERVICE_URL: replicaUrls('order'),
  // Every verifier (gateways, services) fetches user-service's public keys, from either replica;
  // only user-service can sign.
  JWT_JWKS_URL: SERVICE_REPLICAS.user.map((port) => `${url(port)}/.well-known/jwks.json`).join(','),
  ...(startRedis ? { REDIS_URL: `redis://${HOST}:${PORTS.redis}` } : {}),
};
if (nodeEnv !== 'production') {
  // The admin account makes the README walkthrough work.
  defaults.ADMIN_EMAIL = 'admin@example.com';
  defaults.ADMIN_PASSWORD = 'admin-dev-password';
}
// Defaults first, the caller's environment wins.
const shared = { ...defaults, ...env, NODE_ENV: nodeEnv };
// The private signing keys go to user-service alone (below), never to every process.
delete shared.JWT_SIGNING_KEYS;
// The services reach FerretDB over a Unix socket: on this path a command is a few socket writes,
// and loopback TCP costs each one the whole network stack (measured: ~25% less driver CPU per
// command). The TCP port stays open for mongosh and other tools. A socket path must fit in
// sun_path (108 bytes), so a deep data directory falls back to TCP.
const ferretSocket = path.join(dataDir, 'documentdb', 'ferretdb', 'ferretdb.sock');
const useSocket = startMongo && ferretSocket.length < 100;
const mongoHost = useSocket ? encodeURIComponent(ferretSocket) : `${HOST}:${PORTS.mongo}`;
// Each service its own database, as the services' defaults name them.
const mongoUrl = (database) => (startMongo ? { MONGODB_URL: `mongodb://${mongoHost}/${database}` } : {});

// --- build ---------------------------------------------------------------------------------------

if (env.START_SKIP_BUILD !== '1') {
  log('building (npm run build)');
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) die('build failed');
}

// --- processes -----------------------------------------------------------------------------------

const supervisor = new Supervisor({ color: Boolean(process.stdout.isTTY) && !env.NO_COLOR });
const extraNodeArgs = (env.START_NODE_ARGS || '').split(/\s+/).filter(Boolean);
const nodeProcess = (name, main, extraEnv) =>
  supervisor.add({
    name,
    command: process.execPath,
    args: ['--enable-source-maps', ...extraNodeArgs, path.join(root, main)],
    cwd: root,
    env: { ...shared, ...extraEnv },
  });

if (startMongo) superviseEmbeddedDb();

/** PostgreSQL + DocumentDB and FerretDB in front of it, as two supervised processes. */
function superviseEmbeddedDb() {
  warnAboutFerretDbV1Data();
  log(`embedded database: ${embeddedDb('versions')}`);
  const dir = path.join(dataDir, 'documentdb');
  mkdirSync(path.join(dir, 'ferretdb'), { recursive: true });
  supervisor.add({
    name: 'postgres',
    layer: 'data',
    command: 'bash',
    args: [
      path.join(root, 'scripts', 'embedded-db.sh'),
      'postgres',
      '--data',
      path.join(dir, 'pgdata'),
      '--port',
      String(PORTS.postgres),
    ],
    filter: quietLines.postgres,
  });
  supervisor.add({
    name: 'mongo',
    layer: 'data',
    command: 'bash',
    args: [
      path.join(root, 'scripts', 'embedded-db.sh'),
      'ferretdb',
      '--postgres-port',
      String(PORTS.postgres),
      '--postgres-data',
      path.join(dir, 'pgdata'),
      `--state-dir=${path.join(dir, 'ferretdb')}`,
      `--listen-addr=${HOST}:${PORTS.mongo}`,
      ...(useSocket ? [`--listen-unix=${ferretSocket}`] : []),
      // Loopback and a Unix socket in the data directory only; Compose runs MongoDB with users.
      '--no-auth',
      '--debug-addr=-',
      '--telemetry=disable',
      // FerretDB logs each client's disconnect and each error reply at info/warn; real errors still show.
      '--log-level=error',
    ],
    // A crash (or kill -9) leaves the socket file behind, and FerretDB will not bind over it.
    beforeStart: () => rmSync(ferretSocket, { force: true }),
  });
}

/** .data/ferretdb is FerretDB v1's SQLite store, which nothing reads any more. */
function warnAboutFerretDbV1Data() {
  const v1Dir = path.join(dataDir, 'ferretdb');
  let sqliteFiles;
  try {
    sqliteFiles = readdirSync(v1Dir).filter((file) => file.endsWith('.sqlite'));
  } catch {
    return;
  }
  if (sqliteFiles.length === 0) return;
  log(
    `warning: ${path.relative(process.cwd(), v1Dir)} holds data of the former embedded database (FerretDB v1, ` +
      `SQLite: ${sqliteFiles.join(', ')}), which is no longer read; this stack starts with the empty ` +
      `${path.relative(process.cwd(), path.join(dataDir, 'documentdb'))}. Remove it (rm -rf ${path.relative(process.cwd(), v1Dir)}) ` +
      'or, to keep its users and orders, export them with mongodump from a FerretDB v1.24 on that directory ' +
      'and mongorestore them into this one.',
  );
}
if (startRedis) {
  const dir = path.join(dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  supervisor.add({
    name: 'redis',
    layer: 'data',
    command: redisServer,
    // Append-only file: refresh tokens and the order-events stream survive a restart.
    args: [
      '--bind',
      HOST,
      '--port',
      String(PORTS.redis),
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--save',
      '',
      '--loglevel',
      'warning',
    ],
    filter: quietLines.redis,
  });
}
// A stopping replica keeps serving this long with its /ready failing, so the gateways (which ask
// every UPSTREAM_PROBE_MS, 500 ms) send it nothing more before it closes its port.
const serviceEnv = { SHUTDOWN_DRAIN_DELAY_MS: env.SHUTDOWN_DRAIN_DELAY_MS || '1000' };
const services = [
  ['user', 'user-service/dist/main.js', 'users'],
  ['product', 'product-service/dist/main.js', 'products'],
  ['order', 'order-service/dist/main.js', 'orders'],
];
// user-service's signing keys (only it gets them): the caller's JWT_SIGNING_KEYS, else in development
// a key set made once in .data/jwt; production without one is refused by user-service itself.
const signingKeys = env.JWT_SIGNING_KEYS || (nodeEnv === 'production' ? undefined : devSigningKeys(dataDir));
for (const [service, main, database] of services) {
  for (const [index, port] of SERVICE_REPLICAS[service].entries()) {
    nodeProcess(index === 0 ? service : `${service}-${index + 1}`, main, {
      ...serviceEnv,
      ...(service === 'user' && signingKeys ? { JWT_SIGNING_KEYS: signingKeys } : {}),
      PORT: String(port),
      ...mongoUrl(database),
    });
  }
}
const gatewayEnv = {
  TRUST_PROXY: env.TRUST_PROXY || (nginx ? 'loopback' : ''),
  // Longer than nginx's upstream keepalive_timeout (2 s): a stopping gateway keeps answering, each
  // answer with Connection: close, until nginx has closed every kept-alive connection to it itself.
  ...(nginx ? { SHUTDOWN_DRAIN_DELAY_MS: env.SHUTDOWN_DRAIN_DELAY_MS || '2500' } : {}),
};
for (const [index, port] of GATEWAYS.entries()) {
  nodeProcess(gatewayName(index), 'api-gateway/dist/main.js', { ...gatewayEnv, PORT: String(port) });
}
if (nginx) {
  const nginxDir = path.join(dataDir, 'nginx');
  const rendered = execFileSync(
    process.execPath,
    [
      path.join(root, 'scripts', 'start-nginx-config.mjs'),
      '--data-dir',
      nginxDir,
      '--listen',
      `${HOST}:${PORTS.nginx}`,
      `--tls-listen=${HOST}:${PORTS.nginxTls}`, // HTTPS + HTTP/2, dev certificate in .data/nginx/tls
      ...GATEWAYS.flatMap((port) => ['--gateway', `${HOST}:${port}`]),
    ],
    { encoding: 'utf8' },
  ).trim();
  supervisor.add({
    name: 'nginx',
    command: nginx,
    args: ['-p', nginxDir, '-c', rendered, '-e', 'stderr', '-g', 'daemon off;'],
  });
}
if (prometheus) {
  const dir = path.join(dataDir, 'prometheus');
  mkdirSync(dir, { recursive: true });
  supervisor.add({
    name: 'prometheus',
    command: prometheus,
    args: [
      `--config.file=${prometheusConfigFor(dir)}`,
      `--storage.tsdb.path=${dir}`,
      `--web.listen-address=${HOST}:${PORTS.prometheus}`,
      '--log.level=warn',
    ],
    filter: quietLines.prometheus,
  });
}

if (process.argv.includes('--dev')) superviseBuildWatch();

/**
 * `npm run dev`: `tsc -b --watch` as one more supervised process; when it finishes a build, the
 * processes of each package it rebuilt restart (a kit change restarts every service).
 */
function superviseBuildWatch() {
  const replicasOf = (name) =>
    SERVICE_REPLICAS[name].map((_, index) => (index === 0 ? name : `${name}-${index + 1}`));
  const watcher = watchBuildOutput({
    root,
    packages: [
      { dir: 'packages/service-kit', processes: [], restartsAll: true },
      { dir: 'user-service', processes: replicasOf('user') },
      { dir: 'product-service', processes: replicasOf('product') },
      { dir: 'order-service', processes: replicasOf('order') },
      { dir: 'api-gateway', processes: GATEWAYS.map((_, index) => gatewayName(index)) },
    ],
    restart: (name, reason) => supervisor.restart(name, reason),
    log,
  });
  supervisor.add({
    name: 'tsc',
    command: process.execPath,
    args: [
      path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
      '-b',
      'tsconfig.build.json',
      '--watch',
      '--preserveWatchOutput',
    ],
    cwd: root,
    filter: (line) => {
      if (BUILD_FINISHED.test(line)) watcher.buildFinished();
      return line;
    },
  });
}

/**
 * monitoring/prometheus/prometheus.local.yml with its scrape targets moved by PORT_OFFSET, and
 * only the first replicas' with START_REPLICAS=1 (a target that is never up would fire its alert).
 */
function prometheusConfigFor(dir) {
  if (offset === 0 && replicaCount === 2) return prometheusConfig;
  const secondReplicas = new Set([
    BASE_PORTS.gateway2,
    BASE_PORTS.user2,
    BASE_PORTS.product2,
    BASE_PORTS.order2,
  ]);
  const kept = readFileSync(prometheusConfig, 'utf8').replace(/,\s*'127\.0\.0\.1:(\d+)'/g, (target, port) =>
    replicaCount === 1 && secondReplicas.has(Number(port)) ? '' : target,
  );
  const moved = kept.replace(/127\.0\.0\.1:(\d+)/g, (_, port) => `127.0.0.1:${Number(port) + offset}`);
  const file = path.join(dir, 'prometheus.local.yml');
  writeFileSync(
    file,
    moved.replace(/^(\s*-\s*)alerts\.yml$/m, `$1${path.join(path.dirname(prometheusConfig), 'alerts.yml')}`),
  );
  return file;
}

// --- stopping: our signals, and the parent going away ------------------------------------------

// A terminal's Ctrl-C reaches npm and us; npm forwards it once more: one stop serves both.
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (!stopping) log(`${signal}: stopping every process`);
    stopping = true;
    void supervisor.stop(0);
  });
}
// `kill -9` of npm (or of a shell running us) cannot be caught there; we notice the orphaning.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent && !stopping) {
    stopping = true;
    log('the parent process is gone: stopping every process');
    void supervisor.stop(0);
  }
}, 1_000).unref();

// A closed terminal or pipe must not kill us before we stopped what we started.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
process.on('uncaughtException', (error) => {
  console.error(`[start] unexpected error, stopping every process: ${error?.stack ?? error}`);
  stopping = true;
  void supervisor.stop(1);
});

supervisor.start();
supervisor.done.then((code) => {
  log(code === 0 ? 'stopped' : 'stopped after a crash loop');
  process.exit(code);
});

// --- tell the user where things are --------------------------------------------------------------

const entry = nginx ? url(PORTS.nginx) : url(PORTS.gateway);

/** Status code of a GET, or 0 when nothing answers within two seconds. */
function statusOf(target) {
  return new Promise((resolve) => {
    const request = http.get(target, { timeout: 2_000 }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(0));
  });
}

async function healthy() {
  // A gateway's /health is fine with one replica of a service: every replica must be ready itself.
  for (const port of Object.values(SERVICE_REPLICAS).flat()) {
    if ((await statusOf(`${url(port)}/ready`)) !== 200) return false;
  }
  // The gateways first: asking nginx while they start makes it log each refused connection.
  for (const port of GATEWAYS) {
    if ((await statusOf(`${url(port)}/health`)) !== 200) return false;
  }
  return (await statusOf(`${entry}/health`)) === 200;
}

async function announceWhenUp() {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline && !stopping) {
    if (await healthy()) {
      const devCertificate = path.join(dataDir, 'nginx', 'tls', 'tls.crt');
      const lines = [
        'stack is up',
        `  API:         ${entry}/api  (gateway ${GATEWAYS.join(' + ')}${nginx ? `, nginx ${PORTS.nginx}` : ''})`,
        `  Swagger UI:  ${entry}/api/docs/`,
        `  health:      ${entry}/health`,
        `  services:    ${Object.entries(SERVICE_REPLICAS)
          .map(([service, ports]) => `${service} ${ports.join(' + ')}`)
          .join(', ')}  (${replicaCount === 1 ? 'one replica' : 'two replicas'} each)`,
        ...(nginx && existsSync(devCertificate)
          ? [
              `  HTTPS:       https://${HOST}:${PORTS.nginxTls}/api  (HTTP/2; certificate ${path.relative(process.cwd(), devCertificate)})`,
            ]
          : []),
        ...(prometheus ? [`  Prometheus:  ${url(PORTS.prometheus)}`] : []),
        ...(shared.ADMIN_EMAIL ? [`  admin:       ${shared.ADMIN_EMAIL} / ${shared.ADMIN_PASSWORD}`] : []),
        `  data:        ${path.relative(process.cwd(), dataDir) || '.'}`,
        '  Ctrl-C (or SIGTERM) stops everything; a crashed service is restarted.',
        ...(process.argv.includes('--dev')
          ? ['  dev:         tsc -b --watch; a rebuilt service restarts, a rebuilt kit restarts them all']
          : []),
      ];
      log(lines.join('\n'));
      return;
    }
    await sleep(1_000);
  }
  if (!stopping) log(`the stack did not become healthy within 2 minutes; see ${entry}/health`);
}
void announceWhenUp();
