#!/usr/bin/env node
// Copies the files the Helm chart shares with the Compose stack into the chart
// (deploy/helm/ecommerce/files/: Helm reads nothing outside the chart's folder), so both
// deployments run the same nginx.conf, Mongo init script, alert rules and Grafana dashboards.
//
//   node scripts/helm-files.mjs           # copy (after changing any of the sources below)
//   node scripts/helm-files.mjs --check   # exit 1 when a copy differs from its source (npm test)
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const files = join(root, 'deploy/helm/ecommerce/files');
const dashboards = 'monitoring/grafana/dashboards';

/** [source in the repository, copy in the chart's files/] */
const pairs = [
  ['nginx/nginx.conf', 'nginx.conf'],
  ['nginx/render-compose-conf.sh', 'render-compose-conf.sh'],
  ['docker/mongo/init-service-users.js', 'mongo-init-service-users.js'],
  ['monitoring/prometheus/alerts.yml', 'alerts.yml'],
  ...readdirSync(join(root, dashboards))
    .filter((name) => name.endsWith('.json'))
    .map((name) => [`${dashboards}/${name}`, `dashboards/${name}`]),
];

const check = process.argv.includes('--check');
let stale = 0;
for (const [source, copy] of pairs) {
  const from = join(root, source);
  const to = join(files, copy);
  const same = existsSync(to) && readFileSync(from).equals(readFileSync(to));
  if (check) {
    if (!same) {
      stale += 1;
      console.error(`stale: deploy/helm/ecommerce/files/${copy} differs from ${source}`);
    }
  } else if (!same) {
    copyFileSync(from, to);
    console.log(`copied ${source} → deploy/helm/ecommerce/files/${copy}`);
  }
}
// A dashboard removed from monitoring/ must not live on in the chart.
const wanted = new Set(pairs.map(([, copy]) => copy));
for (const name of readdirSync(join(files, 'dashboards'))) {
  if (wanted.has(`dashboards/${name}`)) continue;
  if (check) {
    stale += 1;
    console.error(`stale: deploy/helm/ecommerce/files/dashboards/${name} has no source in ${dashboards}`);
  } else rmSync(join(files, 'dashboards', name));
}
if (stale > 0) {
  console.error(`${stale} stale file(s): run node scripts/helm-files.mjs`);
  process.exit(1);
}
if (check) console.log(`chart files current (${pairs.length} copies)`);
