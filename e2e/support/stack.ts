import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateSigningKeys, signingKeysJson } from '@ecom/service-kit';
import { findFreePort, mongoUrlFor, type RunningServer, startRedis, uniqueName } from '@ecom/test-support';
import { ManagedProcess } from './processes';

export const ROOT = path.resolve(__dirname, '..', '..');
const HOST = '127.0.0.1';

export function findNginx(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).concat('/usr/sbin')) {
    const candidate = path.join(dir, 'nginx');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  return undefined;
}

/**
 * Renders nginx/nginx.local.conf.template with the script `npm start` uses (gateway replicas
 * behind it, HTTPS only with `tlsListen`); returns the path of the rendered file.
 */
export function renderLocalNginxConfig(options: {
  dataDir: string;
  gateways: string[];
  listen?: string;
  tlsListen?: string;
}): string {
  const args = [
    '--data-dir',
    options.dataDir,
    ...options.gateways.flatMap((address) => ['--gateway', address]),
  ];
  if (options.listen) args.push('--listen', options.listen);
  if (options.tlsListen) args.push('--tls-listen', options.tlsListen);
  const script = path.join(ROOT, 'scripts', 'start-nginx-config.mjs');
  return execFileSync(process.execPath, [script, ...args], { encoding: 'utf8' }).trim();
}

/**
 * Builds services and gateway the way `npm start` does (incremental, quick when up to date).
 * Test files may run in parallel; a lock directory keeps two tsc -b from writing the same files.
 */
export async function buildAll(): Promise<void> {
  const lock = path.join(ROOT, '.tmp', 'e2e-build.lock');
  mkdirSync(path.dirname(lock), { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`build lock ${lock} still held; remove it if stale`);
      await sleep(250);
    }
  }
  try {
    execFileSync(
      process.execPath,
      [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'tsconfig.build.json'],
      {
        cwd: ROOT,
        stdio: 'inherit',
      },
    );
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface StackOptions {
  /** Extra environment for both gateway replicas (e.g. low rate limits). */
  gatewayEnv?: Record<string, string>;
  /** Extra environment for every service and gateway (e.g. OTEL_* for tracing). */
  env?: Record<string, string>;
  /** The admin account user-service ensures at start (default: ADMIN). */
  admin?: { email: string; password: string };
}

export const ADMIN = { email: 'admin@e2e.example', password: 'admin-e2e-password' };

/**
 * The real stack on free ports: user, product and order services (own databases in the test
 * database server, a private redis-server), two gateway replicas, and nginx in front when installed.
 */
export class Stack {
  readonly processes = new Map<string, ManagedProcess>();
  /** user-service's key set; the other processes only get its JWKS URL. */
  readonly signingKeys = generateSigningKeys();
  gatewayUrls: string[] = [];
  nginxUrl?: string;
  /** nginx's HTTPS + HTTP/2 listener, and the development certificate that signs it. */
  httpsUrl?: string;
  certificate?: string;
  private redis?: RunningServer;
  private nginxDir?: string;

  /** The public entry point: nginx when present, else the first gateway. */
  get entry(): string {
    return this.nginxUrl ?? this.gatewayUrls[0]!;
  }

  process(name: string): ManagedProcess {
    const found = this.processes.get(name);
    if (!found) throw new Error(`no process ${name}`);
    return found;
  }

  /** Names of the processes whose output mentions `text` (e.g. a request id). */
  mentioning(text: string): string[] {
    return [...this.processes].filter(([, proc]) => proc.mentions(text)).map(([name]) => name);
  }

  static async start(options: StackOptions = {}): Promise<Stack> {
    const stack = new Stack();
    try {
      await stack.launch(options);
    } catch (error) {
      await stack.stop();
      throw error;
    }
    return stack;
  }

  private async launch(options: StackOptions): Promise<void> {
    this.redis = await startRedis();
    const [userPort, productPort, orderPort, gateway1, gateway2, nginxPort, tlsPort] = await Promise.all(
      Array.from({ length: 7 }, () => findFreePort()),
    );
    const internalToken = randomBytes(24).toString('hex');
    const common = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      // Tests tell from the services' own access lines which requests reached them.
      ACCESS_LOG: 'all',
      HOST,
      REDIS_URL: this.redis.url,
      JWT_JWKS_URL: `http://${HOST}:${userPort}/.well-known/jwks.json`,
      INTERNAL_TOKEN: internalToken,
      ...options.env,
    };
    const productUrl = `http://${HOST}:${productPort}`;
    const service = (name: string, main: string, port: number, env: Record<string, string>) =>
      this.add(name, main, port, { ...common, ...env, PORT: String(port) }, '/ready', 200);

    service('user', 'user-service/dist/main.js', userPort!, {
      MONGODB_URL: mongoUrlFor(uniqueName('e2e_users_')),
      ADMIN_EMAIL: (options.admin ?? ADMIN).email,
      ADMIN_PASSWORD: (options.admin ?? ADMIN).password,
      BCRYPT_ROUNDS: '4',
      JWT_SIGNING_KEYS: signingKeysJson(this.signingKeys),
    });
    service('product', 'product-service/dist/main.js', productPort!, {
      MONGODB_URL: mongoUrlFor(uniqueName('e2e_products_')),
    });
    service('order', 'order-service/dist/main.js', orderPort!, {
      MONGODB_URL: mongoUrlFor(uniqueName('e2e_orders_')),
      PRODUCT_SERVICE_URL: productUrl,
    });
    await Promise.all(['user', 'product', 'order'].map((name) => this.process(name).start()));

    const gatewayEnv = {
      ...common,
      USER_SERVICE_URL: `http://${HOST}:${userPort}`,
      PRODUCT_SERVICE_URL: productUrl,
      ORDER_SERVICE_URL: `http://${HOST}:${orderPort}`,
      TRUST_PROXY: 'loopback',
      RATE_LIMIT_KEY_PREFIX: `${uniqueName('e2e_rl_')}:`,
      ...options.gatewayEnv,
    };
    for (const [index, port] of [gateway1!, gateway2!].entries()) {
      this.add(
        `gateway-${index + 1}`,
        'api-gateway/dist/main.js',
        port,
        { ...gatewayEnv, PORT: String(port) },
        '/ready',
        200,
      );
      this.gatewayUrls.push(`http://${HOST}:${port}`);
    }
    await Promise.all(['gateway-1', 'gateway-2'].map((name) => this.process(name).start()));

    const nginx = findNginx();
    if (nginx) await this.startNginx(nginx, nginxPort!, tlsPort!, [gateway1!, gateway2!]);
  }

  private add(
    name: string,
    main: string,
    port: number,
    env: Record<string, string>,
    readyPath: string,
    readyStatus?: number,
  ): void {
    this.processes.set(
      name,
      new ManagedProcess({
        name,
        command: process.execPath,
        args: ['--enable-source-maps', path.join(ROOT, main)],
        env,
        readyUrl: `http://${HOST}:${port}${readyPath}`,
        readyStatus,
      }),
    );
  }

  private async startNginx(
    nginx: string,
    port: number,
    tlsPort: number,
    gatewayPorts: number[],
  ): Promise<void> {
    this.nginxDir = mkdtempSync(path.join(os.tmpdir(), 'e2e-nginx-'));
    const config = renderLocalNginxConfig({
      dataDir: this.nginxDir,
      gateways: gatewayPorts.map((gatewayPort) => `${HOST}:${gatewayPort}`),
      listen: `${HOST}:${port}`,
      tlsListen: `${HOST}:${tlsPort}`,
    });
    const proc = new ManagedProcess({
      name: 'nginx',
      command: nginx,
      args: ['-p', this.nginxDir, '-c', config, '-e', 'stderr', '-g', 'daemon off;'],
      env: {},
      // Through nginx to a gateway: proves the whole chain, not just that nginx listens.
      readyUrl: `http://${HOST}:${port}/ready`,
      readyStatus: 200,
    });
    this.processes.set('nginx', proc);
    await proc.start();
    this.nginxUrl = `http://${HOST}:${port}`;
    const certificate = path.join(this.nginxDir, 'tls', 'tls.crt');
    if (readFileSync(config, 'utf8').includes(certificate)) {
      this.certificate = certificate;
      this.httpsUrl = `https://${HOST}:${tlsPort}`;
    }
  }

  async stop(): Promise<void> {
    // Edge first, data last: the same order a real shutdown would use.
    const order = ['nginx', 'gateway-1', 'gateway-2', 'order', 'product', 'user'];
    for (const name of order) await this.processes.get(name)?.stop();
    await this.redis?.stop();
    if (this.nginxDir) rmSync(this.nginxDir, { recursive: true, force: true });
  }
}
