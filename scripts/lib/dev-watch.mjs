// `npm run dev` (scripts/start-local.mjs --dev): which processes to restart after the TypeScript
// build in watch mode emitted new JavaScript. Plain Node, no dependency (as the supervisor).
//
// The build (`tsc -b --watch`) writes each package's dist/; every .js written there is noted, and
// when tsc reports the build finished ("Found N errors. Watching for file changes."), the
// processes running the packages that changed are restarted through the supervisor, once per
// build. A change in the shared kit restarts every service (they all load it); the data stores,
// nginx and Prometheus are never restarted.
import { watch } from 'node:fs';
import path from 'node:path';

/** tsc's line at the end of each build in watch mode. */
export const BUILD_FINISHED = /Found \d+ errors?\. Watching for file changes\./;

/**
 * @typedef {object} WatchedPackage
 * @property {string} dir the package's folder, relative to the root (e.g. 'product-service')
 * @property {string[]} processes what runs its dist/ (empty for the kit: see `restartsAll`)
 * @property {boolean} [restartsAll] a change here restarts the processes of every package
 */

/**
 * The processes to restart for the files written since the last build, each with why.
 * @param {Iterable<string>} changed paths relative to the root
 * @param {WatchedPackage[]} packages
 * @returns {Map<string, string>} process name → reason
 */
export function restartsFor(changed, packages) {
  const changedDirs = new Set();
  for (const file of changed) {
    const owner = packages.find((pkg) => file.startsWith(`${pkg.dir}/dist/`) && file.endsWith('.js'));
    if (owner) changedDirs.add(owner.dir);
  }
  const restarts = new Map();
  for (const pkg of packages.filter((candidate) => changedDirs.has(candidate.dir))) {
    const reason = `${pkg.dir} rebuilt`;
    const targets = pkg.restartsAll ? packages.flatMap((other) => other.processes) : pkg.processes;
    for (const name of targets) if (!restarts.has(name)) restarts.set(name, reason);
  }
  return restarts;
}

/**
 * Watches each package's dist/ and restarts what changed when `buildFinished()` is called.
 * @param {object} options
 * @param {string} options.root
 * @param {WatchedPackage[]} options.packages
 * @param {(name: string, reason: string) => Promise<void>} options.restart
 * @param {(line: string) => void} options.log
 */
export function watchBuildOutput({ root, packages, restart, log }) {
  const changed = new Set();
  const watchers = packages.map((pkg) =>
    watch(path.join(root, pkg.dir, 'dist'), { recursive: true }, (_event, file) => {
      if (file) changed.add(`${pkg.dir}/dist/${String(file).split(path.sep).join('/')}`);
    }),
  );
  return {
    /** tsc finished a build: restart what its output changed (all at once, so within seconds). */
    buildFinished() {
      const restarts = restartsFor(changed, packages);
      changed.clear();
      if (restarts.size === 0) return;
      log(`build finished: restarting ${[...restarts.keys()].join(', ')}`);
      for (const [name, reason] of restarts) void restart(name, reason);
    },
    close() {
      for (const watcher of watchers) watcher.close();
    },
  };
}
