/**
 * Starts throw-away database servers (Redis, and MongoDB or the embedded FerretDB v2 over
 * PostgreSQL + DocumentDB) on free ports for the integration tests. Every server gets its own temporary data directory, which is removed on stop.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';

export interface RunningServer {
  /** Connection URL, e.g. `redis://127.0.0.1:40123` or `mongodb://127.0.0.1:40124/`. */
  url: string;
  /** Stops the server (SIGTERM, SIGKILL after 5 s) and removes its temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** How long to wait for the server to accept connections. Default 30 s. */
  timeoutMs?: number;
}

const HOST = '127.0.0.1';
const DEFAULT_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;
const OUTPUT_TAIL_BYTES = 4_000;
const START_ATTEMPTS = 3;
const SETUP_HINT = 'Run `bash scripts/setup.sh` to install it.';

// ---------------------------------------------------------------------------------------------
// Children must not outlive the test process: remember them and kill them on the way out.
// ---------------------------------------------------------------------------------------------

const liveChildren = new Set<ChildProcess>();
const liveTempDirs = new Set<string>();
let exitHooksInstalled = false;

function killEverythingNow(): void {
  for (const child of liveChildren) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  liveChildren.clear();
  for (const dir of liveTempDirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort
    }
  }
  liveTempDirs.clear();
}

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('exit', killEverythingNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      killEverythingNow();
      process.removeListener(signal, onSignal);
      // Keep the default behaviour (terminate) unless somebody else (e.g. vitest) handles it.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

/** Asks the kernel for a free TCP port on 127.0.0.1 (bind port 0, read it, close). */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('could not determine a free port'));
        return;
      }
      const { port } = address;
      server.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function isExecutable(file: string): boolean {
  try {
    accessSync(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Finds an executable on PATH, like `command -v`. */
function whichSync(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** The repository's root: the embedded database's scripts live in scripts/. */
const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const EMBEDDED_DB = path.join(REPO_ROOT, 'scripts', 'embedded-db.sh');

function embeddedDbBuilt(): boolean {
  try {
    execFileSync('bash', [path.join(REPO_ROOT, 'scripts', 'install-embedded-db.sh'), '--is-current'], {
      stdio: 'ignore',
      timeout: 10_000,
    });
    return true;
  } catch {
    return false;
  }
}

/** Keeps the last few KB of a child's stdout+stderr for error messages. */
class OutputTail {
  private text = '';

  append(chunk: Buffer | string): void {
    this.text += chunk.toString();
    if (this.text.length > OUTPUT_TAIL_BYTES) this.text = this.text.slice(-OUTPUT_TAIL_BYTES);
  }

  toString(): string {
    return this.text.trim() || '(no output)';
  }
}

interface LaunchSpec {
  /** Human-readable name used in errors, e.g. "redis-server". */
  name: string;
  command: string;
  args(port: number, dataDir: string): string[];
  url(port: number): string;
  /** Resolves when the server answers; rejects (or throws) if not yet ready. */
  probe(url: string, port: number): Promise<void>;
  timeoutMs: number;
}

class EarlyExitError extends Error {
  constructor(
    message: string,
    readonly portInUse: boolean,
  ) {
    super(message);
  }
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.removeListener('exit', onExit);
      resolve(false);
    }, ms);
    const onExit = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    if (!(await waitForExit(child, STOP_GRACE_MS))) {
      child.kill('SIGKILL');
      await waitForExit(child, STOP_GRACE_MS);
    }
  }
  liveChildren.delete(child);
}

function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  liveTempDirs.delete(dir);
}

/** One attempt: pick a port, spawn, poll the probe until ready, timeout or early exit. */
async function launchOnce(spec: LaunchSpec): Promise<RunningServer> {
  installExitHooks();
  const port = await findFreePort();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `ecom-test-${spec.name}-`));
  liveTempDirs.add(dataDir);

  const output = new OutputTail();
  const child = spawn(spec.command, spec.args(port, dataDir), {
    cwd: dataDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  liveChildren.add(child);
  child.stdout?.on('data', (chunk: Buffer) => output.append(chunk));
  child.stderr?.on('data', (chunk: Buffer) => output.append(chunk));

  let spawnError: Error | undefined;
  child.once('error', (err) => {
    spawnError = err;
  });
  const exited = (): boolean =>
    spawnError !== undefined || child.exitCode !== null || child.signalCode !== null;

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await stopChild(child);
    removeDir(dataDir);
  };

  const url = spec.url(port);
  const deadline = Date.now() + spec.timeoutMs;
  let lastProbeError: unknown;
  for (;;) {
    if (exited()) {
      await stop();
      const how = spawnError
        ? `failed to start: ${spawnError.message}`
        : `exited early (code ${String(child.exitCode)}, signal ${String(child.signalCode)})`;
      const tail = output.toString();
      throw new EarlyExitError(
        `${spec.name} on port ${port} ${how}.\n--- ${spec.name} output (tail) ---\n${tail}`,
        /address already in use|EADDRINUSE/i.test(tail),
      );
    }
    try {
      await spec.probe(url, port);
      return { url, stop };
    } catch (err) {
      lastProbeError = err;
    }
    if (Date.now() >= deadline) {
      await stop();
      const reason = lastProbeError instanceof Error ? lastProbeError.message : String(lastProbeError);
      throw new Error(
        `${spec.name} did not accept connections on ${HOST}:${port} within ${spec.timeoutMs} ms ` +
          `(last error: ${reason}).\n--- ${spec.name} output (tail) ---\n${output}`,
      );
    }
    await sleep(100);
  }
}

/** Retries with a fresh port when another process grabbed the port between pick and bind. */
async function launch(spec: LaunchSpec): Promise<RunningServer> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    try {
      return await launchOnce(spec);
    } catch (err) {
      lastError = err;
      if (!(err instanceof EarlyExitError && err.portInUse)) throw err;
    }
  }
  throw lastError;
}

// ---------------------------------------------------------------------------------------------
// Probes
// ---------------------------------------------------------------------------------------------

/** Sends a raw RESP `PING` and expects `+PONG`. */
function redisPing(port: number, timeoutMs = 1_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: HOST, port });
    let reply = '';
    const fail = (err: Error): void => {
      socket.destroy();
      reject(err);
    };
    socket.setTimeout(timeoutMs, () => fail(new Error('PING timed out')));
    socket.once('error', fail);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      if (!reply.includes('\r\n')) return;
      socket.destroy();
      if (reply.startsWith('+PONG')) resolve();
      // e.g. "-LOADING Redis is loading the dataset in memory"
      else reject(new Error(`unexpected PING reply: ${reply.trim()}`));
    });
  });
}

/** Resolves once something accepts a TCP connection on the port. */
function tcpConnect(port: number, timeoutMs = 1_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: HOST, port });
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      reject(new Error('TCP connect timed out'));
    });
    socket.once('error', (err) => {
      socket.destroy();
      reject(err);
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
  });
}

async function mongoPing(url: string, port: number): Promise<void> {
  // Cheap check first so we do not spin up a driver while the port is still closed.
  await tcpConnect(port);
  const conn = mongoose.createConnection(url, {
    serverSelectionTimeoutMS: 2_000,
    connectTimeoutMS: 2_000,
    maxPoolSize: 1,
  });
  try {
    await conn.asPromise();
    const db = conn.db;
    if (!db) throw new Error('no database handle after connect');
    await db.admin().ping();
  } finally {
    await conn.close(true).catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/** Starts `redis-server` on a free port with persistence disabled. */
export function startRedis(options: StartOptions = {}): Promise<RunningServer> {
  const command = whichSync('redis-server');
  if (!command) {
    return Promise.reject(new Error(`redis-server was not found on PATH. ${SETUP_HINT}`));
  }
  return launch({
    name: 'redis-server',
    command,
    args: (port, dir) => [
      '--port',
      String(port),
      '--bind',
      HOST,
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--daemonize',
      'no',
    ],
    url: (port) => `redis://${HOST}:${port}`,
    probe: (_url, port) => redisPing(port),
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
}

/**
 * Starts a MongoDB-compatible server on a free port: `mongod` when it is on PATH, otherwise the
 * embedded database (scripts/install-embedded-db.sh): PostgreSQL with DocumentDB, FerretDB in front.
 */
export function startMongo(options: StartOptions = {}): Promise<RunningServer> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const url = (port: number): string => `mongodb://${HOST}:${port}/`;
  const probe = (u: string, port: number): Promise<void> => mongoPing(u, port);

  const mongod = whichSync('mongod');
  if (mongod) {
    return launch({
      name: 'mongod',
      command: mongod,
      args: (port, dir) => ['--dbpath', dir, '--port', String(port), '--bind_ip', HOST, '--quiet'],
      url,
      probe,
      timeoutMs,
    });
  }
  if (!embeddedDbBuilt()) {
    return Promise.reject(
      new Error(
        `Neither mongod nor the embedded database (FerretDB v2 + PostgreSQL) was found. ${SETUP_HINT}`,
      ),
    );
  }
  return startEmbeddedDb(timeoutMs);
}

async function startEmbeddedDb(timeoutMs: number): Promise<RunningServer> {
  const postgres = await launch({
    name: 'postgresql',
    command: 'bash',
    // The data directory of a test database dies with it: no fsync at all (--throwaway).
    args: (port, dir) => [
      EMBEDDED_DB,
      'postgres',
      '--data',
      path.join(dir, 'pgdata'),
      '--port',
      String(port),
      '--throwaway',
    ],
    url: (port) => `postgres://postgres@${HOST}:${port}/postgres`,
    probe: (_url, port) => tcpConnect(port),
    timeoutMs,
  });
  try {
    const ferretdb = await launch({
      name: 'ferretdb',
      command: execFileSync('bash', [EMBEDDED_DB, 'ferretdb-bin'], { encoding: 'utf8' }).trim(),
      args: (port, dir) => [
        `--postgresql-url=${postgres.url}`,
        `--listen-addr=${HOST}:${port}`,
        // Loopback only, a throw-away database: the services' tests connect without credentials.
        '--no-auth',
        // Default is 127.0.0.1:8088, which would collide between instances: disable it.
        '--debug-addr=-',
        '--telemetry=disable',
        '--log-level=error',
        `--state-dir=${dir}`,
      ],
      url: (port) => `mongodb://${HOST}:${port}/`,
      probe: (u, port) => mongoPing(u, port),
      timeoutMs,
    });
    return {
      url: ferretdb.url,
      stop: async () => {
        await ferretdb.stop();
        await postgres.stop();
      },
    };
  } catch (error) {
    await postgres.stop();
    throw error;
  }
}
