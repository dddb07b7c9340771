// Types for supervisor.mjs (plain JavaScript: it runs before `npm ci` on a fresh clone).
export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Data stores stop after everything else (default 'app'). */
  layer?: 'data' | 'app';
  /** The line to print, or undefined to drop it. */
  filter?: (line: string) => string | undefined;
  /** Runs before every start, restarts included (e.g. removes a socket file a crash left). */
  beforeStart?: () => void;
}

export interface SupervisorOptions {
  log?: (line: string) => void;
  output?: (line: string) => void;
  maxCrashes?: number;
  windowMs?: number;
  backoffMs?: number[];
  appStopMs?: number;
  dataStopMs?: number;
  color?: boolean;
}

export class Supervisor {
  constructor(options?: SupervisorOptions);
  readonly done: Promise<number>;
  add(spec: ProcessSpec): this;
  start(): this;
  pid(name: string): number | undefined;
  /** Stops one process and starts it again at once, not counted as a crash. */
  restart(name: string, reason: string): Promise<void>;
  stop(exitCode?: number): Promise<void>;
}
