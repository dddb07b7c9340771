/** The nginx configurations: valid for the installed nginx, and the shared parts kept in sync. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findNginx, renderLocalNginxConfig, ROOT } from '../support/stack';

const composeConfig = readFileSync(path.join(ROOT, 'nginx', 'nginx.conf'), 'utf8');
const localTemplate = readFileSync(path.join(ROOT, 'nginx', 'nginx.local.conf.template'), 'utf8');
const nginx = findNginx();
const workDir = mkdtempSync(path.join(os.tmpdir(), 'nginx-config-'));

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

function section(config: string, name: string): string {
  const match = new RegExp(`# >>> shared ${name}[^\\n]*\\n([\\s\\S]*?)# <<< shared ${name} <<<`).exec(config);
  if (!match) throw new Error(`no shared ${name} section`);
  return match[1]!;
}

/** `nginx -t` output; throws with nginx's message when the file is invalid. */
function nginxTest(file: string): string {
  return execFileSync(nginx!, ['-t', '-p', workDir, '-c', file, '-e', 'stderr'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

describe('nginx configuration', () => {
  it.each(['http', 'server'])('keeps the shared %s section identical for Compose and local runs', (name) => {
    expect(section(localTemplate, name)).toBe(section(composeConfig, name));
  });

  it('balances with least_conn and keepalive, and answers 413/502/503/504 as JSON', () => {
    for (const config of [composeConfig, localTemplate]) {
      expect(config).toMatch(/least_conn;/);
      expect(config).toMatch(/keepalive \d+;/);
      expect(config).toMatch(/proxy_set_header X-Forwarded-For \$remote_addr;/);
      expect(config).toMatch(/proxy_set_header X-Request-Id \$edge_request_id;/);
      for (const status of [413, 502, 503, 504]) {
        expect(config).toMatch(new RegExp(`error_page ${status} @json_${status};`));
      }
    }
  });

  it.skipIf(!nginx)('renders a local configuration the installed nginx accepts', () => {
    const file = renderLocalNginxConfig({
      dataDir: path.join(workDir, 'local'),
      gateways: ['127.0.0.1:3000', '127.0.0.1:3010'],
    });
    expect(readFileSync(file, 'utf8')).not.toMatch(/@[A-Z_]+@/);
    expect(() => nginxTest(file)).not.toThrow();
  });

  it.skipIf(!nginx)('has a Compose configuration that is valid apart from Docker-only parts', () => {
    // The compose file resolves replicas through Docker's DNS (`resolve`, nginx >= 1.27.3) and
    // writes to /dev/stdout; swap those for things that exist here and check the rest.
    // Rendered as the container does in production (certificate present: HTTPS, redirect, HSTS).
    const tlsDir = path.join(workDir, 'tls');
    execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'dev-cert.mjs'), tlsDir]);
    const rendered = path.join(workDir, 'compose-rendered.conf');
    execFileSync(
      'sh',
      [path.join(ROOT, 'nginx', 'render-compose-conf.sh'), path.join(ROOT, 'nginx', 'nginx.conf'), rendered],
      {
        env: { ...process.env, EDGE_MODE: 'prod', TLS_DIR: tlsDir },
      },
    );
    const runnable = readFileSync(rendered, 'utf8')
      .replace(/ resolve /g, ' ')
      .replace(/api-gateway:3000/g, '127.0.0.1:3000')
      .replace(/resolver 127\.0\.0\.11[^;]*;/, '')
      .replace(/\/dev\/stdout/g, path.join(workDir, 'access.log'))
      .replace(/pid [^;]+;/, `pid ${path.join(workDir, 'nginx.pid')};`)
      .replace(/listen 80;/, 'listen 127.0.0.1:18080;')
      .replace(/listen 443 ssl/, 'listen 127.0.0.1:18443 ssl')
      .replace(/listen 8081;/, 'listen 127.0.0.1:18081;');
    const file = path.join(workDir, 'compose.conf');
    writeFileSync(file, runnable);
    expect(runnable).toMatch(/return 308 https:/);
    expect(() => nginxTest(file)).not.toThrow();
  });

  it('renders the Compose configuration for development without redirect or HSTS, and without HTTPS when no certificate is mounted', () => {
    const rendered = path.join(workDir, 'compose-dev.conf');
    execFileSync(
      'sh',
      [path.join(ROOT, 'nginx', 'render-compose-conf.sh'), path.join(ROOT, 'nginx', 'nginx.conf'), rendered],
      {
        env: { ...process.env, EDGE_MODE: 'dev', TLS_DIR: path.join(workDir, 'no-such-dir') },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const config = readFileSync(rendered, 'utf8');
    expect(config).not.toMatch(/Strict-Transport-Security|return 308|ssl_certificate|listen 443/);
    expect(config).toMatch(/listen 80;/);
  });

  it('refuses to render for production without a certificate', () => {
    expect(() =>
      execFileSync(
        'sh',
        [
          path.join(ROOT, 'nginx', 'render-compose-conf.sh'),
          path.join(ROOT, 'nginx', 'nginx.conf'),
          path.join(workDir, 'x.conf'),
        ],
        {
          env: { ...process.env, EDGE_MODE: 'prod', TLS_DIR: path.join(workDir, 'no-such-dir') },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      ),
    ).toThrow(/needs tls\.crt/);
  });
});
