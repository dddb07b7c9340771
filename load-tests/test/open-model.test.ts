/**
 * The open model against a tiny local server: the arrival schedule, latency counted from each
 * arrival's intended start (a stall of the generator shows in every arrival it delayed), and
 * arrivals dropped when every virtual user is busy.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpClient } from '../src/http';
import { arrivalOffsetMs, runOpenPhase } from '../src/open-model';
import type { Workload } from '../src/scenarios';
import type { Fixtures } from '../src/setup';
import { summarizeRecorder } from '../src/summary';
import { OrderLedger } from '../src/virtual-user';

const HEALTH_ONLY: Workload = {
  mix: { registration: 0, browsing: 0, orders: 0, health: 1 },
  maxLines: 1,
  maxQuantity: 1,
};

describe('arrivalOffsetMs', () => {
  it('spaces arrivals 1/rate apart at a constant rate', () => {
    const plan = { from: 100, to: 100, rampSec: 0 };
    expect([0, 1, 100, 250].map((index) => arrivalOffsetMs(index, plan))).toEqual([0, 10, 1000, 2500]);
  });

  it('follows the integral of a linear ramp, then the final rate', () => {
    // 0 → 100/s over 10 s: 5·t² arrivals by t, 500 in the ramp.
    const plan = { from: 0, to: 100, rampSec: 10 };
    expect(arrivalOffsetMs(125, plan)).toBeCloseTo(5000, 6);
    expect(arrivalOffsetMs(500, plan)).toBeCloseTo(10_000, 6);
    expect(arrivalOffsetMs(600, plan)).toBeCloseTo(11_000, 6);
    // Down-ramps too: 200 → 100/s over 2 s is 300 arrivals.
    expect(arrivalOffsetMs(300, { from: 200, to: 100, rampSec: 2 })).toBeCloseTo(2000, 6);
  });
});

describe('runOpenPhase', () => {
  let server: http.Server | undefined;
  let client: HttpClient | undefined;
  afterEach(async () => {
    await client?.close();
    await new Promise((resolve) => server?.close(resolve));
    server = undefined;
  });

  /** A server that answers each request after `delayFor(ms since its first request)` ms. */
  async function start(delayFor: (sinceFirst: number) => number, connections: number) {
    let first: number | undefined;
    server = http.createServer((_req, res) => {
      first ??= performance.now();
      const delay = delayFor(performance.now() - first);
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'), delay);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    client = new HttpClient(`http://127.0.0.1:${port}`, { connections });
    return client;
  }

  const run = (httpClient: HttpClient, rate: number, durationSec: number, maxInFlight: number) =>
    runOpenPhase({
      http: httpClient,
      fixtures: {} as Fixtures,
      ledger: new OrderLedger([]),
      buyers: [],
      plan: { from: rate, to: rate, rampSec: 0 },
      durationSec,
      maxInFlight,
      requestCap: 100_000,
      seed: 1,
      emailTag: 'open',
      workload: HEALTH_ONLY,
      abort: { aborted: false },
    });

  it('when the generator itself is held up, then every arrival it delayed is measured from its intended start', async () => {
    // The server shares the generator's event loop: after 300 ms it blocks it once for 400 ms,
    // so arrivals due from 300 to 700 ms go out late. Measured from their send they would look
    // instant; a user arriving then would have waited 400..0 ms.
    let blocked = false;
    const httpClient = await start((since) => {
      if (since >= 300 && !blocked) {
        blocked = true;
        const until = performance.now() + 400;
        while (performance.now() < until);
      }
      return 0;
    }, 200);

    const result = await run(httpClient, 100, 1.5, 200);

    expect(result.arrivals).toMatchObject({ offered: 150, dropped: 0, started: 150, completed: 150 });
    expect(result.arrivals.offeredRate).toBe(100);
    expect(result.arrivals.startLagP99Ms).toBeGreaterThan(300);
    const { latency } = summarizeRecorder(result.recorder).overall;
    expect(latency.count).toBe(150);
    // About 40 of the 150 arrivals were held up, 200 ms on average: p90 sees it.
    expect(latency.p90).toBeGreaterThan(200);
    expect(latency.max).toBeGreaterThan(350);
  });

  it('when every virtual user is busy, then further arrivals are dropped and counted', async () => {
    const httpClient = await start(() => 300, 5);

    const result = await run(httpClient, 100, 1, 5);

    const { arrivals } = result;
    expect(arrivals.offered).toBe(100);
    expect(arrivals.started + arrivals.dropped).toBe(100);
    // 5 users, 300 ms each: about 20 arrivals get one within the second.
    expect(arrivals.started).toBeLessThanOrEqual(25);
    expect(arrivals.dropped).toBeGreaterThan(70);
    expect(arrivals.achievedRate).toBeLessThan(25);
  });
});
