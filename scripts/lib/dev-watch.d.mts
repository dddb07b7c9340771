// Types for dev-watch.mjs (plain JavaScript, like the supervisor it drives).
export const BUILD_FINISHED: RegExp;

export interface WatchedPackage {
  /** The package's folder, relative to the root (e.g. 'product-service'). */
  dir: string;
  /** What runs its dist/. */
  processes: string[];
  /** A change here restarts the processes of every package (the shared kit). */
  restartsAll?: boolean;
}

export function restartsFor(changed: Iterable<string>, packages: WatchedPackage[]): Map<string, string>;

export function watchBuildOutput(options: {
  root: string;
  packages: WatchedPackage[];
  restart: (name: string, reason: string) => Promise<void>;
  log: (line: string) => void;
}): { buildFinished(): void; close(): void };
