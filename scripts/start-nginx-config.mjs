#!/usr/bin/env node
// Renders nginx/nginx.local.conf.template for a local nginx in front of gateway replicas and
// creates the directories it writes to. Prints the path of the rendered file.
//
//   node scripts/start-nginx-config.mjs --data-dir .data/nginx --listen 127.0.0.1:8080 \
//     --gateway 127.0.0.1:3000 --gateway 127.0.0.1:3010 [--tls-listen 127.0.0.1:8443]
//
// With --tls-listen, nginx also serves HTTPS and HTTP/2 there, with a development certificate made
// on first use in <data-dir>/tls (scripts/dev-cert.mjs); without openssl it stays plain HTTP.
//
// Then: nginx -p <data-dir> -c <data-dir>/nginx.conf -e stderr -g 'daemon off;'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureDevCertificate } from './dev-cert.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string', default: path.join(root, '.data', 'nginx') },
    listen: { type: 'string', default: '127.0.0.1:8080' },
    gateway: { type: 'string', multiple: true, default: ['127.0.0.1:3000'] },
    'tls-listen': { type: 'string' },
  },
});

const dataDir = path.resolve(values['data-dir']);
for (const dir of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi', 'cache']) {
  mkdirSync(path.join(dataDir, 'tmp', dir), { recursive: true });
}

const servers = values.gateway
  // Short fail_timeout: locally a replica is "down" mostly while it starts or restarts.
  .map((address) => `    server ${address} max_fails=2 fail_timeout=2s;`)
  .join('\n');
const tlsDir = path.join(dataDir, 'tls');
const tls = values['tls-listen'] ? ensureDevCertificate(tlsDir) : undefined;
if (values['tls-listen'] && !tls) console.error('start-nginx-config: openssl not found, HTTPS is off');
const template = readFileSync(path.join(root, 'nginx', 'nginx.local.conf.template'), 'utf8');
const config = (tls ? template : template.replace(/^.*# tls\n/gm, ''))
  .replaceAll('@TLS_LISTEN@', values['tls-listen'] ?? '')
  .replaceAll('@TLS_DIR@', tlsDir)
  .replaceAll('@DATA_DIR@', dataDir)
  .replaceAll('@LISTEN@', values.listen)
  .replaceAll('@GATEWAY_SERVERS@', servers)
  .replaceAll('@USER_DIRECTIVE@', process.getuid?.() === 0 ? 'user root;' : '');

const unfilled = config.match(/@[A-Z_]+@/g);
if (unfilled) {
  console.error(`start-nginx-config: unknown placeholders left: ${unfilled.join(', ')}`);
  process.exit(1);
}
const file = path.join(dataDir, 'nginx.conf');
writeFileSync(file, config);
console.log(file);
