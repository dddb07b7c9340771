/** What every service's composition root offers (see ServiceRoot in the kit). */
export interface StartableService {
  start(): Promise<void>;
  stop(): Promise<void>;
  url(): string;
}

export interface StartStopOutcome {
  /** What GET /ready answered once started. */
  readyStatus: number;
  /** Whether a connection to the same port was refused once stopped. */
  refusedAfterStop: boolean;
}

/** Starts `service` (it must be configured with PORT=0), asks /ready, stops it and tries again. */
export async function startAndStop(service: StartableService): Promise<StartStopOutcome> {
  await service.start();
  const url = service.url();
  const ready = await fetch(`${url}/ready`);
  await ready.body?.cancel();
  await service.stop();
  const refusedAfterStop = await fetch(`${url}/ready`).then(
    () => false,
    () => true,
  );
  return { readyStatus: ready.status, refusedAfterStop };
}
