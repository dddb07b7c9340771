/**
 * HTTPS and HTTP/2 at nginx, checked with curl and openssl as a user would: the local stack's TLS
 * listener negotiates h2, refuses TLS 1.0/1.1 and runs the README walkthrough; the Compose
 * configuration rendered for production redirects plain HTTP and sends HSTS.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { findFreePort } from '@ecom/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManagedProcess } from '../support/processes';
import { NPM_START_ADMIN, walkthroughScript } from '../support/readme';
import { buildAll, findNginx, ROOT, Stack } from '../support/stack';

const run = promisify(execFile);
const nginx = findNginx();
let stack: Stack;

/** curl's status line facts: HTTP version, status and the headers, never failing on 3xx/4xx. */
async function curl(url: string, ...args: string[]) {
  const { stdout } = await run('curl', ['-sS', '-o', '/dev/null', '-D', '-', ...args, url], {
    timeout: 15_000,
  });
  const [statusLine = '', ...lines] = stdout.split('\r\n');
  const [, version = '', status = ''] = /^HTTP\/([\d.]+) (\d+)/.exec(statusLine) ?? [];
  const headers = Object.fromEntries(
    lines
      .filter((line) => line.includes(':'))
      .map((line) => {
        const at = line.indexOf(':');
        return [line.slice(0, at).toLowerCase(), line.slice(at + 1).trim()];
      }),
  );
  const hsts = lines
    .filter((line) => line.toLowerCase().startsWith('strict-transport-security:'))
    .map((line) => line.slice(line.indexOf(':') + 1).trim());
  return { version, status: Number(status), headers, hsts };
}

/** What the server answers a client that offers exactly one protocol version (and any cipher). */
function handshake(url: string, protocol: 'tls1' | 'tls1_1' | 'tls1_2' | 'tls1_3'): Promise<string> {
  const { host } = new URL(url);
  return new Promise((resolve) => {
    // SECLEVEL=0: the client is willing to speak old protocols, so a refusal is the server's.
    const child = spawn(
      'openssl',
      ['s_client', '-connect', host, `-${protocol}`, '-cipher', 'DEFAULT@SECLEVEL=0'],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdin.end();
    child.on('close', () => resolve(output));
  });
}

describe.skipIf(!nginx)('HTTPS at nginx, local stack', () => {
  beforeAll(async () => {
    await buildAll();
    stack = await Stack.start({ admin: NPM_START_ADMIN });
    if (!stack.httpsUrl) throw new Error('nginx started without HTTPS (is openssl installed?)');
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  it('negotiates HTTP/2 on the TLS port, with the development certificate', async () => {
    const res = await curl(`${stack.httpsUrl}/health`, '--http2', '--cacert', stack.certificate!);
    expect(res.version).toBe('2');
    expect(res.status).toBe(200);
    // Development: no HSTS (it would pin localhost to HTTPS in the browser), no redirect.
    expect(res.hsts).toEqual([]);
    const plain = await curl(`${stack.nginxUrl}/health`);
    expect(plain.status).toBe(200);
  });

  it('refuses TLS 1.0 and 1.1 and accepts 1.2 and 1.3', async () => {
    for (const old of ['tls1', 'tls1_1'] as const) {
      const answer = await handshake(stack.httpsUrl!, old);
      expect(answer, old).toMatch(/alert protocol version|no protocols available|unsupported protocol/);
      expect(answer, old).toMatch(/Cipher is \(NONE\)/);
    }
    expect(await handshake(stack.httpsUrl!, 'tls1_2')).toMatch(/Protocol\s*: TLSv1\.2/);
    expect(await handshake(stack.httpsUrl!, 'tls1_3')).toMatch(/New, TLSv1\.3/);
  });

  it('runs the README walkthrough over HTTPS', async () => {
    const script = walkthroughScript().replace(/^API=.*$/m, `API=${stack.httpsUrl}`);
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], {
      timeout: 60_000,
      env: { ...process.env, CURL_CA_BUNDLE: stack.certificate! },
    });
    expect(stdout).toMatch(/"productId":"[a-f\d]{24}"/);
    expect(stdout).toContain('"status":"pending"');
    expect(stdout).toMatch(/\b8\n/);
    expect(stdout).toContain('"status":"cancelled"');
  });

  describe('the Compose configuration rendered for production', () => {
    let proc: ManagedProcess;
    let dir: string;
    let httpUrl: string;
    let httpsUrl: string;

    beforeAll(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'nginx-prod-'));
      await run(process.execPath, [path.join(ROOT, 'scripts', 'dev-cert.mjs'), path.join(dir, 'tls')]);
      const rendered = path.join(dir, 'rendered.conf');
      await run(
        'sh',
        [
          path.join(ROOT, 'nginx', 'render-compose-conf.sh'),
          path.join(ROOT, 'nginx', 'nginx.conf'),
          rendered,
        ],
        {
          env: { ...process.env, EDGE_MODE: 'prod', TLS_DIR: path.join(dir, 'tls') },
        },
      );
      const [httpPort, tlsPort, statusPort] = await Promise.all([
        findFreePort(),
        findFreePort(),
        findFreePort(),
      ]);
      const gateway = new URL(stack.gatewayUrls[0]!).host;
      // Only what exists inside Docker alone is swapped: DNS, service names, ports, log and pid files.
      const runnable = readFileSync(rendered, 'utf8')
        .replace(/ resolve /g, ' ')
        .replace(/resolver 127\.0\.0\.11[^;]*;/, '')
        .replace(/api-gateway:3000/g, gateway)
        .replace(/\/dev\/stdout/g, path.join(dir, 'access.log'))
        .replace(/pid [^;]+;/, `pid ${path.join(dir, 'nginx.pid')};`)
        .replace(/listen 80;/, `listen 127.0.0.1:${httpPort};`)
        .replace(/listen 443 ssl/, `listen 127.0.0.1:${tlsPort} ssl`)
        .replace(/listen 8081;/, `listen 127.0.0.1:${statusPort};`);
      const file = path.join(dir, 'nginx.conf');
      writeFileSync(file, runnable);
      httpUrl = `http://127.0.0.1:${httpPort}`;
      httpsUrl = `https://127.0.0.1:${tlsPort}`;
      proc = new ManagedProcess({
        name: 'nginx-prod',
        command: nginx!,
        args: ['-p', dir, '-c', file, '-e', 'stderr', '-g', 'daemon off;'],
        env: {},
        readyUrl: `http://127.0.0.1:${statusPort}/stub_status`,
        readyStatus: 200,
      });
      await proc.start();
    }, 60_000);

    afterAll(async () => {
      await proc?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('redirects plain HTTP to HTTPS with 308, keeping the path and query', async () => {
      const res = await curl(`${httpUrl}/api/products?limit=1`);
      expect(res.status).toBe(308);
      expect(res.headers.location).toBe('https://127.0.0.1/api/products?limit=1');
    });

    it('answers over HTTPS with HTTP/2 and HSTS', async () => {
      const cert = path.join(dir, 'tls', 'tls.crt');
      const res = await curl(`${httpsUrl}/api/categories`, '--http2', '--cacert', cert);
      expect(res.version).toBe('2');
      expect(res.status).toBe(200);
      // Exactly one HSTS header, nginx's: the services leave it to the edge.
      expect(res.hsts).toEqual(['max-age=63072000; includeSubDomains']);
    });
  });
});
