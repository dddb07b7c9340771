#!/usr/bin/env node
// Checks the Grafana dashboards and the Prometheus alert rules as code. No Docker needed.
//
//   node scripts/check-dashboards.mjs                       # static checks (CI)
//   node scripts/check-dashboards.mjs --live URL [--range 15m]
//        # every dashboard query must return >= 1 series from the Prometheus at URL
//
// Static checks, one output line each ("PASS ..." / "FAIL ..." / "SKIP ..."):
//   1. dashboards are well-formed: unique uid/title, every panel on the provisioned datasource,
//      every target has a PromQL expression, panels inside the 24-column grid;
//   2. every PromQL expression (dashboards + alerts.yml) parses: they are wrapped into a temporary
//      rules file for `promtool check rules` (Grafana variables replaced by sample values);
//   3. every metric name used exists: defined in the services' sources (the kit's
//      metricsFactory counter/gauge/histogram('name', ...), or new Counter/Gauge/Histogram({ name })),
//      a prom-client default metric, a Prometheus built-in, or a
//      listed exporter metric (nginx, redis, mongodb exporters, cAdvisor, node-exporter).
// With --live, queries whose metrics come only from a job that the live Prometheus does not
// scrape (e.g. cAdvisor under `npm start`) are reported as SKIP, not FAIL.
// Exit status: 0 when nothing failed. With $SUITE_COUNTS_FILE set, writes "<passed> <failed>".
/* global URL, URLSearchParams, fetch, AbortSignal */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dashboardsDir = join(root, 'monitoring/grafana/dashboards');
const alertsFile = join(root, 'monitoring/prometheus/alerts.yml');
const datasourceFile = join(root, 'monitoring/grafana/provisioning/datasources/prometheus.yml');
const SERVICE_DIRS = [
  'packages/service-kit',
  'user-service',
  'product-service',
  'order-service',
  'api-gateway',
];

const args = process.argv.slice(2);
const option = (name) => {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
};
const liveUrl = option('--live');
const liveRange = option('--range') ?? '15m';
const promtool = option('--promtool') ?? process.env.PROMTOOL ?? 'promtool';

let passed = 0;
let failed = 0;
const pass = (message) => {
  passed += 1;
  console.log(`PASS ${message}`);
};
const fail = (message) => {
  failed += 1;
  console.log(`FAIL ${message}`);
};
const skip = (message) => console.log(`SKIP ${message}`);

// --- metric catalogue ---------------------------------------------------------------------------
/** Exporter and built-in metrics the dashboards/alerts may use, with the job that provides them. */
const EXTERNAL_METRICS = {
  prometheus: ['up', 'ALERTS', 'ALERTS_FOR_STATE', 'scrape_duration_seconds', 'scrape_samples_scraped'],
  nginx: [
    'nginx_up',
    'nginx_http_requests_total',
    'nginx_connections_active',
    'nginx_connections_accepted',
    'nginx_connections_handled',
    'nginx_connections_reading',
    'nginx_connections_writing',
    'nginx_connections_waiting',
  ],
  redis: [
    'redis_up',
    'redis_memory_used_bytes',
    'redis_memory_max_bytes',
    'redis_commands_total',
    'redis_commands_duration_seconds_total',
    'redis_commands_processed_total',
    'redis_evicted_keys_total',
    'redis_connected_clients',
    'redis_keyspace_hits_total',
    'redis_keyspace_misses_total',
  ],
  mongodb: [
    'mongodb_up',
    'mongodb_ss_opLatencies_latency',
    'mongodb_ss_opLatencies_ops',
    'mongodb_ss_mem_resident',
    'mongodb_ss_connections',
  ],
  cadvisor: [
    'container_cpu_usage_seconds_total',
    'container_memory_working_set_bytes',
    'container_memory_usage_bytes',
    'container_spec_memory_limit_bytes',
    'container_network_receive_bytes_total',
    'container_network_transmit_bytes_total',
    'container_oom_events_total',
  ],
  'node-exporter': [
    'node_cpu_seconds_total',
    'node_memory_MemAvailable_bytes',
    'node_memory_MemTotal_bytes',
    'node_filesystem_avail_bytes',
    'node_filesystem_size_bytes',
    'node_load1',
  ],
};
const BUILTIN_JOB = 'prometheus';
const APP_JOB = 'app';

function walk(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'dist') walk(path, out);
    } else if (/\.ts$/.test(entry.name) && !/\.test\.ts$/.test(entry.name)) out.push(path);
  }
  return out;
}

const SUFFIXES = {
  Counter: [''],
  Gauge: [''],
  Histogram: ['_bucket', '_sum', '_count'],
  Summary: ['', '_sum', '_count'],
};

/** metric name → { job, source } */
function metricCatalogue() {
  const catalogue = new Map();
  const add = (name, job, source) => catalogue.set(name, { job, source });
  for (const dir of SERVICE_DIRS) {
    for (const file of walk(join(root, dir, 'src'))) {
      const text = readFileSync(file, 'utf8');
      const constructed =
        /new\s+(Counter|Gauge|Histogram|Summary)\b(?:<[^>]*>)?\s*\(\s*\{[\s\S]{0,200}?\bname:\s*['"]([a-zA-Z_:][a-zA-Z0-9_:]*)['"]/g;
      // The kit's metricsFactory: counter('name', 'help', ...), gauge(...), histogram(...).
      const declared = /\b(counter|gauge|histogram)\(\s*['"]([a-zA-Z_:][a-zA-Z0-9_:]*)['"]/g;
      for (const match of [...text.matchAll(constructed), ...text.matchAll(declared)]) {
        const type = match[1][0].toUpperCase() + match[1].slice(1);
        for (const suffix of SUFFIXES[type]) add(`${match[2]}${suffix}`, APP_JOB, relative(root, file));
      }
    }
  }
  // prom-client's default metrics (collectDefaultMetrics in the kit), read from the installed
  // package so a prom-client upgrade is reflected; a fixed list when node_modules is missing.
  let defaults;
  try {
    const require = createRequire(join(root, 'packages/service-kit/package.json'));
    const { Registry, collectDefaultMetrics } = require('prom-client');
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    defaults = registry
      .getMetricsAsArray()
      .map((metric) => [metric.name, metric.type === 'histogram' ? 'Histogram' : 'Gauge']);
  } catch {
    defaults = [
      ['process_cpu_seconds_total', 'Counter'],
      ['process_start_time_seconds', 'Gauge'],
      ['process_resident_memory_bytes', 'Gauge'],
      ['nodejs_eventloop_lag_seconds', 'Gauge'],
      ['nodejs_eventloop_lag_p99_seconds', 'Gauge'],
      ['nodejs_heap_size_used_bytes', 'Gauge'],
      ['nodejs_gc_duration_seconds', 'Histogram'],
    ];
  }
  for (const [name, type] of defaults) {
    for (const suffix of SUFFIXES[type] ?? [''])
      add(`${name}${suffix}`, APP_JOB, 'prom-client default metrics');
  }
  for (const [job, names] of Object.entries(EXTERNAL_METRICS))
    for (const name of names) add(name, job, `${job} (external)`);
  return catalogue;
}

// --- PromQL helpers -----------------------------------------------------------------------------
const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'inf',
  'nan',
  'atan2',
]);

/** Metric names referenced by a PromQL expression (a small tokenizer, not a full parser). */
export function metricNames(expr) {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set();
  for (const match of stripped.matchAll(/(?<![\w.:])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w:])(?!\s*\()/g)) {
    const name = match[1];
    if (!KEYWORDS.has(name.toLowerCase())) names.add(name);
  }
  return [...names];
}

/** Grafana variables → values Prometheus accepts. */
function concrete(expr, { range = '1h', rateInterval = '1m' } = {}) {
  return expr
    .replace(/\$__rate_interval|\$\{__rate_interval\}/g, rateInterval)
    .replace(/\$__interval|\$\{__interval\}/g, rateInterval)
    .replace(/\$__range|\$\{__range\}/g, range)
    .replace(/\$\{?service(?::[a-z]+)?\}?/g, '.*');
}

// --- inputs -------------------------------------------------------------------------------------
function loadDashboards() {
  const dashboards = [];
  for (const name of readdirSync(dashboardsDir)
    .filter((file) => file.endsWith('.json'))
    .sort()) {
    const path = join(dashboardsDir, name);
    try {
      dashboards.push({ name, json: JSON.parse(readFileSync(path, 'utf8')) });
    } catch (error) {
      fail(`${name}: not valid JSON (${error.message})`);
    }
  }
  return dashboards;
}

function panelsOf(dashboard) {
  const out = [];
  for (const panel of dashboard.panels ?? []) {
    out.push(panel);
    if (panel.type === 'row') out.push(...(panel.panels ?? []));
  }
  return out;
}

/** { where, expr } for every dashboard target. */
function dashboardQueries(dashboards) {
  const queries = [];
  for (const { name, json } of dashboards) {
    for (const panel of panelsOf(json)) {
      for (const target of panel.targets ?? []) {
        if (target.expr)
          queries.push({ where: `${name} "${panel.title}" ${target.refId}`, expr: target.expr });
      }
    }
  }
  return queries;
}

/** expr values of alerts.yml: single-line `expr: ...` or block `expr: |` (this repo's style). */
function alertQueries() {
  const lines = readFileSync(alertsFile, 'utf8').split('\n');
  const queries = [];
  let current = '';
  for (let i = 0; i < lines.length; i += 1) {
    const alert = /^\s*-\s*alert:\s*(\S+)/.exec(lines[i]);
    if (alert) current = alert[1];
    const match = /^(\s*)expr:\s*(.*)$/.exec(lines[i]);
    if (!match) continue;
    if (/^[|>][-+]?\s*$/.test(match[2])) {
      const body = [];
      const indent = match[1].length;
      while (i + 1 < lines.length && (lines[i + 1].trim() === '' || lines[i + 1].search(/\S/) > indent)) {
        body.push(lines[i + 1].trim());
        i += 1;
      }
      queries.push({ where: `alerts.yml ${current}`, expr: body.join(' ').trim() });
    } else {
      queries.push({ where: `alerts.yml ${current}`, expr: match[2].replace(/^'(.*)'$/, '$1').trim() });
    }
  }
  return queries;
}

// --- static checks ------------------------------------------------------------------------------
function checkStructure(dashboards) {
  const datasourceText = existsSync(datasourceFile) ? readFileSync(datasourceFile, 'utf8') : '';
  const datasourceUid = /^\s*uid:\s*(\S+)/m.exec(datasourceText)?.[1];
  if (!datasourceUid) fail(`${relative(root, datasourceFile)}: no datasource uid`);
  const uids = new Map();
  const titles = new Map();
  for (const { name, json } of dashboards) {
    const problems = [];
    if (!json.uid) problems.push('no uid');
    if (!json.title) problems.push('no title');
    if (uids.has(json.uid)) problems.push(`uid ${json.uid} also used by ${uids.get(json.uid)}`);
    if (titles.has(json.title)) problems.push(`title also used by ${titles.get(json.title)}`);
    uids.set(json.uid, name);
    titles.set(json.title, name);
    const ids = new Set();
    for (const panel of panelsOf(json)) {
      if (ids.has(panel.id)) problems.push(`duplicate panel id ${panel.id}`);
      ids.add(panel.id);
      const { x = 0, w = 0, h = 0 } = panel.gridPos ?? {};
      if (!panel.gridPos || w <= 0 || h <= 0 || x + w > 24) problems.push(`"${panel.title}": bad gridPos`);
      if (panel.type === 'row') continue;
      if (panel.datasource?.uid !== datasourceUid)
        problems.push(`"${panel.title}": datasource is not uid ${datasourceUid}`);
      if (!panel.targets?.length) problems.push(`"${panel.title}": no query`);
      for (const target of panel.targets ?? []) {
        if (!target.expr?.trim()) problems.push(`"${panel.title}" ${target.refId}: empty expr`);
      }
    }
    if (problems.length) fail(`${name}: ${problems.join('; ')}`);
    else
      pass(
        `${name}: well-formed (${panelsOf(json).filter((p) => p.type !== 'row').length} panels, uid ${json.uid})`,
      );
  }
}

function checkWithPromtool(queries) {
  const probe = spawnSync(promtool, ['--version'], { encoding: 'utf8' });
  if (probe.error) {
    fail(`promtool not found (${promtool}); install Debian's prometheus package`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'dashboards-'));
  try {
    // One rule per query, so promtool's error message names the failing one.
    const rules = queries
      .map(
        (query, index) =>
          `      - record: dashboard:query:${index}\n        expr: ${JSON.stringify(concrete(query.expr))}\n`,
      )
      .join('');
    const file = join(dir, 'dashboard-queries.rules.yml');
    writeFileSync(file, `groups:\n  - name: dashboard-queries\n    rules:\n${rules}`);
    const result = spawnSync(promtool, ['check', 'rules', file], { encoding: 'utf8' });
    if (result.status === 0) {
      pass(`promtool check rules: all ${queries.length} dashboard queries parse`);
    } else {
      const output = `${result.stdout}\n${result.stderr}`;
      const indexes = [...output.matchAll(/dashboard:query:(\d+)/g)].map((match) => Number(match[1]));
      const culprits = [...new Set(indexes)].map((index) => queries[index]?.where).filter(Boolean);
      fail(
        `promtool check rules rejected dashboard queries${culprits.length ? `: ${culprits.join(', ')}` : ''}`,
      );
      console.log(output.trim().replace(/^/gm, '    '));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function checkMetricNames(queries, catalogue, label) {
  const unknown = new Map();
  let count = 0;
  for (const query of queries) {
    for (const name of metricNames(concrete(query.expr))) {
      count += 1;
      if (!catalogue.has(name)) unknown.set(name, [...(unknown.get(name) ?? []), query.where]);
    }
  }
  if (unknown.size === 0) {
    pass(`${label}: every metric name exists (${count} references)`);
  } else {
    for (const [name, wheres] of unknown)
      fail(`${label}: unknown metric ${name} (used by ${wheres.join(', ')})`);
  }
}

// --- live check ---------------------------------------------------------------------------------
async function promQuery(expr) {
  const url = new URL('/api/v1/query', liveUrl);
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ query: expr }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = await response.json();
  if (body.status !== 'success') throw new Error(`${body.errorType}: ${body.error}`);
  return body.data.result;
}

async function checkLive(queries, catalogue) {
  let jobs;
  try {
    jobs = new Set((await promQuery('count by (job) (up)')).map((series) => series.metric.job));
  } catch (error) {
    fail(`live: cannot query Prometheus at ${liveUrl} (${error.message})`);
    return;
  }
  const appJobs = ['api-gateway', 'user-service', 'product-service', 'order-service'];
  const hasJob = (job) =>
    job === APP_JOB ? appJobs.some((name) => jobs.has(name)) : job === BUILTIN_JOB || jobs.has(job);
  for (const query of queries) {
    const missing = metricNames(concrete(query.expr))
      .map((name) => catalogue.get(name)?.job)
      .filter((job) => job && !hasJob(job));
    if (missing.length) {
      skip(`live: ${query.where}: job ${[...new Set(missing)].join(', ')} not scraped here`);
      continue;
    }
    try {
      const result = await promQuery(concrete(query.expr, { range: liveRange, rateInterval: '1m' }));
      if (result.length > 0) pass(`live: ${query.where}: ${result.length} series`);
      else fail(`live: ${query.where}: no series for ${concrete(query.expr, { range: liveRange })}`);
    } catch (error) {
      fail(`live: ${query.where}: ${error.message}`);
    }
  }
}

// --- main -----------------------------------------------------------------------------------------
const dashboards = loadDashboards();
const queries = dashboardQueries(dashboards);
const catalogue = metricCatalogue();

if (liveUrl) {
  await checkLive(queries, catalogue);
} else {
  checkStructure(dashboards);
  checkWithPromtool(queries);
  checkMetricNames(queries, catalogue, 'dashboards');
  checkMetricNames(alertQueries(), catalogue, 'alerts.yml');
}

console.log(`check-dashboards: ${passed} passed, ${failed} failed`);
if (process.env.SUITE_COUNTS_FILE) writeFileSync(process.env.SUITE_COUNTS_FILE, `${passed} ${failed}\n`);
process.exit(failed ? 1 : 0);
