import express from 'express';
import { describe, expect, it } from 'vitest';
import { serviceBasics, serviceRoot, type ServingConfig } from '../src/service-root';

const config: ServingConfig = {
  PORT: 0,
  HOST: '127.0.0.1',
  SHUTDOWN_TIMEOUT_MS: 2_000,
  SHUTDOWN_DRAIN_DELAY_MS: 0,
};

function rootRecording(steps: string[], serving: ServingConfig = config) {
  const app = express();
  app.get('/ping', (_req, res) => {
    steps.push('request');
    res.json({});
  });
  return serviceRoot({
    ...serviceBasics('root-test', { LOG_LEVEL: 'silent' }),
    app,
    config: serving,
    startBackground: () => {
      steps.push('background started');
      return [() => steps.push('background stopped')];
    },
    afterListen: async () => {
      steps.push('after listen');
    },
    clients: [() => steps.push('mongo closed'), () => steps.push('redis closed')],
  });
}

describe('a service root', () => {
  it('when started and stopped, then background work runs while it serves and stops before the clients close', async () => {
    const steps: string[] = [];
    const root = rootRecording(steps);

    await root.start();
    const response = await fetch(`${root.url()}/ping`);
    await response.body?.cancel();
    await Promise.all([root.stop(), root.stop()]);

    expect(response.status).toBe(200);
    expect(steps).toEqual([
      'background started',
      'after listen',
      'request',
      'background stopped',
      'mongo closed',
      'redis closed',
    ]);
  });

  it('when stopped without being started, then only its clients close, in order', async () => {
    const steps: string[] = [];
    const root = rootRecording(steps);

    await root.stop();

    expect(steps).toEqual(['mongo closed', 'redis closed']);
    expect(() => root.url()).toThrow(/not listening/);
  });

  it('when listening fails, then stop() still stops the background work before the clients close', async () => {
    const taken = rootRecording([]);
    await taken.start();
    const steps: string[] = [];
    const root = rootRecording(steps, { ...config, PORT: Number(new URL(taken.url()).port) });

    await expect(root.start()).rejects.toThrow(/EADDRINUSE/);
    await root.stop();
    await taken.stop();

    expect(steps).toEqual(['background started', 'background stopped', 'mongo closed', 'redis closed']);
  });
});
