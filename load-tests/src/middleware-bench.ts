/**
 * CPU per request of the services' shared HTTP stack (`createHttpApp`) against bare node:http, each
 * in a process of its own answering the same POST: alternating bursts, so a drift of the machine's
 * speed falls on both, and each server's CPU read from /proc around its bursts.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { HttpClient } from './http';
import { treeCpu } from './process-cpu';

export interface MiddlewareBenchOptions {
  connections: number;
  burstSec: number;
  rounds: number;
  log: (line: string) => void;
}

interface Server {
  name: string;
  process: ChildProcess;
  client: HttpClient;
  cpuSeconds: number;
  requests: number;
  errors: number;
}

async function startServer(variant: string, connections: number): Promise<Server> {
  const child = spawn(process.execPath, [path.join(__dirname, 'middleware-server.js'), variant], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const match = /listening (\d+)/.exec(buffer);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`${variant} server exited (${code})`)));
  });
  // Its own log lines (none below warn) are not this tool's output.
  child.stdout!.resume();
  const client = new HttpClient(`http://127.0.0.1:${port}`, { connections });
  return { name: variant, process: child, client, cpuSeconds: 0, requests: 0, errors: 0 };
}

const cpuOf = (server: Server) =>
  [...treeCpu(server.process.pid!).values()].reduce(
    (sum, byPid) => sum + [...byPid.values()].reduce((a, b) => a + b, 0),
    0,
  );

const BODY = { items: [{ productId: '6750f0c2a1b2c3d4e5f60719', quantity: 1 }] };

async function burst(server: Server, connections: number, seconds: number, record: boolean) {
  const before = cpuOf(server);
  const endAt = performance.now() + seconds * 1000;
  let requests = 0;
  let errors = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < endAt) {
        const result = await server.client.send('POST', '/orders', { json: BODY });
        requests++;
        if (result.status !== 201) errors++;
      }
    }),
  );
  if (!record) return;
  server.cpuSeconds += cpuOf(server) - before;
  server.requests += requests;
  server.errors += errors;
}

export async function middlewareOverhead(options: MiddlewareBenchOptions) {
  const servers = [
    await startServer('kit', options.connections),
    await startServer('node', options.connections),
  ];
  try {
    for (const server of servers) await burst(server, options.connections, 1, false);
    for (let round = 0; round < options.rounds; round++) {
      const order = round % 2 === 0 ? servers : [...servers].reverse();
      for (const server of order) await burst(server, options.connections, options.burstSec, true);
    }
  } finally {
    for (const server of servers) {
      await server.client.close();
      server.process.kill('SIGTERM');
    }
  }
  const perRequest = (server: Server) => Math.round((server.cpuSeconds / server.requests) * 1e7) / 10;
  const [kit, node] = servers as [Server, Server];
  const result = {
    kitCpuMicrosPerRequest: perRequest(kit),
    nodeCpuMicrosPerRequest: perRequest(node),
    requests: { kit: kit.requests, node: node.requests },
    errors: kit.errors + node.errors,
  };
  options.log(
    `  createHttpApp: ${result.kitCpuMicrosPerRequest} µs of CPU per request; bare node:http: ` +
      `${result.nodeCpuMicrosPerRequest} µs (${kit.requests} / ${node.requests} requests, ${result.errors} errors)`,
  );
  return result;
}
