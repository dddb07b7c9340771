/**
 * One server for the middleware bench (bench.ts `--only middleware`): `kit` is a service's app as
 * `createHttpApp` builds it (Express, access log on errors, metrics, helmet, CORS, compression, JSON
 * body), `node` is bare node:http doing the same work by hand; both answer POST /orders with one
 * small JSON document.
 */
import http from 'node:http';
import { createHttpApp, createLogger, createMetrics } from '@ecom/service-kit';

const ANSWER = JSON.stringify({
  id: '6750f0c2a1b2c3d4e5f60718',
  status: 'pending',
  items: [{ productId: '6750f0c2a1b2c3d4e5f60719', productName: 'Thing', quantity: 1, unitPrice: 12.5 }],
  totalAmount: 12.5,
});

function kitApp(): http.RequestListener {
  const logger = createLogger('middleware-bench');
  const options = { service: 'middleware-bench', logger, metrics: createMetrics('middleware-bench') };
  return createHttpApp({ ...options, accessLog: 'errors' }, (routes) =>
    routes.post('/orders', (_req, res) => {
      res.status(201).type('application/json').send(ANSWER);
    }),
  );
}

const bareNode: http.RequestListener = (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    JSON.parse(Buffer.concat(chunks).toString('utf8'));
    res.writeHead(201, { 'content-type': 'application/json; charset=utf-8' });
    res.end(ANSWER);
  });
};

const server = http.createServer(process.argv[2] === 'node' ? bareNode : kitApp());
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') process.stdout.write(`listening ${address.port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
