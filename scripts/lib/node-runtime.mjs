// `npm start` runs `node scripts/start-local.mjs` with whatever `node` the user has; the stack runs on
// the project's Node.js (.nvmrc). When the running Node is older, scripts/node-runtime.sh installs
// the right one (once, outside the checkout) and the script runs again under it, with that Node's
// directory first on PATH so that npm, the build and every service use it too.
// Only Node's own modules, and syntax an old Node parses: this runs before anything is installed.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const majorOf = (version) => Number(version.replace(/^v/, '').split('.')[0]);

/**
 * Returns when this process already runs on the project's Node major (or a newer one). Otherwise
 * runs the same script under that Node, forwards the stop signals to it and exits with its status:
 * it never returns.
 */
export async function runOnProjectNode(root) {
  const wanted = majorOf(readFileSync(path.join(root, '.nvmrc'), 'utf8').trim());
  if (majorOf(process.version) >= wanted) return;

  console.log(`[start] Node.js ${process.version} is older than ${wanted}: switching to Node.js ${wanted}`);
  let binDir;
  try {
    binDir = execFileSync('bash', [path.join(root, 'scripts', 'node-runtime.sh')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim();
  } catch {
    console.error(`[start] ERROR: could not install Node.js ${wanted}; install it yourself (see .nvmrc)`);
    process.exit(1);
  }
  const child = spawn(path.join(binDir, 'node'), process.argv.slice(1), {
    stdio: 'inherit',
    env: { ...process.env, PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ''}` },
  });
  // The child stops its processes once per signal, however often it gets one (a terminal's Ctrl-C
  // reaches both of us); if this process is killed outright, the child notices its parent gone.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('error', (error) => {
    console.error(`[start] ERROR: could not run ${path.join(binDir, 'node')}: ${error.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
  await new Promise(() => {});
}
