// Docker HEALTHCHECK probe of the service images (no curl/wget in node:*-slim).
// GET http://127.0.0.1:$PORT/health (or the path given as first argument, or $HEALTH_PATH, which
// the gateway's image sets to /ready); exits 0 on a 2xx
// answer within 3 s, 1 otherwise. /health is liveness only: it does not depend on Mongo/Redis,
// so a database outage does not make Docker restart every service at once.
/* global require */
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS run by `node` in the image */
'use strict';
const http = require('node:http');

const port = Number(process.env.PORT || 3000);
const path = process.argv[2] || process.env.HEALTH_PATH || '/health';
const request = http.get({ host: '127.0.0.1', port, path, timeout: 3000 }, (response) => {
  response.resume();
  process.exit(response.statusCode >= 200 && response.statusCode < 300 ? 0 : 1);
});
request.on('timeout', () => request.destroy(new Error('timeout')));
request.on('error', () => process.exit(1));
