#!/usr/bin/env node
// Generates the provisioned Grafana dashboards (monitoring/grafana/dashboards/*.json).
//
//   node monitoring/grafana/build-dashboards.mjs           # write the JSON files
//   node monitoring/grafana/build-dashboards.mjs --check   # exit 1 if a committed file is stale
//
// Dashboards are code: edit this file, regenerate, commit both. scripts/check-dashboards.mjs then
// checks every query with promtool and against the metric names the services really define.
//
// Query conventions:
//   - application series carry a `service` label (prom-client default label); `up` has `job`;
//   - ratios add `or <denominator> * 0` to the numerator so a service without errors/hits shows
//     0 instead of "No data" (and the live check can require at least one series);
//   - $service filters the application panels (multi-select, "All" by default).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, 'dashboards');
const DS = { type: 'prometheus', uid: 'prometheus' };
const SVC = 'service=~"$service"';

// --- panel helpers ------------------------------------------------------------------------------
let nextId = 1;
function target(expr, legendFormat = '', extra = {}) {
  return { datasource: DS, expr, legendFormat, range: true, ...extra };
}
function withRefIds(targets) {
  return targets.map((t, i) => ({ refId: String.fromCharCode(65 + i), ...t }));
}
function timeseries(
  title,
  targets,
  { unit = 'short', w = 12, h = 8, description = '', stack = false, min, links } = {},
) {
  return {
    type: 'timeseries',
    title,
    description,
    datasource: DS,
    gridPos: { w, h },
    fieldConfig: {
      defaults: {
        unit,
        ...(min === undefined ? {} : { min }),
        ...(links ? { links } : {}),
        custom: {
          drawStyle: 'line',
          lineWidth: 1,
          fillOpacity: stack ? 30 : 10,
          showPoints: 'never',
          spanNulls: true,
          stacking: { mode: stack ? 'normal' : 'none', group: 'A' },
        },
      },
      overrides: [],
    },
    options: {
      legend: { displayMode: 'table', placement: 'bottom', calcs: ['mean', 'max', 'lastNotNull'] },
      tooltip: { mode: 'multi', sort: 'desc' },
    },
    targets: withRefIds(targets),
  };
}
function stat(
  title,
  targets,
  { unit = 'short', w = 6, h = 4, description = '', mappings = [], thresholds, decimals } = {},
) {
  return {
    type: 'stat',
    title,
    description,
    datasource: DS,
    gridPos: { w, h },
    fieldConfig: {
      defaults: {
        unit,
        ...(decimals === undefined ? {} : { decimals }),
        mappings,
        thresholds: thresholds ?? { mode: 'absolute', steps: [{ color: 'green', value: null }] },
      },
      overrides: [],
    },
    options: {
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
      colorMode: 'background',
      graphMode: 'none',
      textMode: 'value_and_name',
      orientation: 'auto',
      justifyMode: 'auto',
    },
    targets: withRefIds(targets.map((t) => ({ ...t, instant: true, range: false }))),
  };
}
function row(title) {
  return { type: 'row', title, collapsed: false, gridPos: { w: 24, h: 1 }, panels: [] };
}
const UP_MAPPINGS = [
  { type: 'value', options: { 0: { text: 'DOWN', color: 'red' }, 1: { text: 'UP', color: 'green' } } },
];
const RED_BELOW_1 = {
  mode: 'absolute',
  steps: [
    { color: 'red', value: null },
    { color: 'green', value: 1 },
  ],
};

/** Lays panels out left to right, wrapping at 24 columns; rows start a new line. */
function layout(panels) {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  for (const panel of panels) {
    panel.id = nextId++;
    const { w, h } = panel.gridPos;
    if (panel.type === 'row' || x + w > 24) {
      y += rowHeight;
      x = 0;
      rowHeight = 0;
    }
    panel.gridPos = { x, y, w, h };
    x += w;
    rowHeight = Math.max(rowHeight, h);
    if (panel.type === 'row') {
      y += h;
      x = 0;
      rowHeight = 0;
    }
  }
  return panels;
}

const JAEGER_VARIABLE = {
  name: 'jaeger',
  label: 'Jaeger UI',
  type: 'textbox',
  query: 'http://localhost:16686',
  current: { text: 'http://localhost:16686', value: 'http://localhost:16686' },
  // Shown, so an installation where Jaeger is elsewhere can point the links there.
  hide: 0,
};

function dashboard({ uid, title, description, tags, panels, serviceVariable = true, variables = [] }) {
  nextId = 1;
  return {
    uid,
    title,
    description,
    tags: ['ecommerce', ...tags],
    editable: false,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    refresh: '30s',
    time: { from: 'now-1h', to: 'now' },
    timepicker: {},
    timezone: 'browser',
    annotations: { list: [] },
    links: [
      {
        type: 'dashboards',
        tags: ['ecommerce'],
        asDropdown: true,
        title: 'Dashboards',
        includeVars: true,
        keepTime: true,
      },
    ],
    templating: {
      list: serviceVariable
        ? [
            {
              name: 'service',
              label: 'Service',
              type: 'query',
              datasource: DS,
              query: {
                query: 'label_values(http_request_duration_seconds_count, service)',
                refId: 'service',
              },
              definition: 'label_values(http_request_duration_seconds_count, service)',
              refresh: 2,
              includeAll: true,
              multi: true,
              allValue: '.*',
              current: { selected: true, text: ['All'], value: ['$__all'] },
              sort: 1,
            },
            ...variables,
          ]
        : variables,
    },
    panels: layout(panels),
  };
}

// --- query fragments ------------------------------------------------------------------------------
/**
 * Data link from a latency series to the slow traces of that service in Jaeger, over the panel's
 * time range (Jaeger takes microseconds); $jaeger is the UI's address (a dashboard variable).
 */
const SLOW_TRACES_LINK = [
  {
    title: 'Slow traces of ${__field.labels.service} in Jaeger',
    url: '${jaeger}/search?service=${__field.labels.service}&start=${__from}000&end=${__to}000&minDuration=${__value.raw}s&limit=20',
    targetBlank: true,
  },
];

const reqRate = (by, filter = SVC) =>
  `sum by (${by}) (rate(http_request_duration_seconds_count{${filter}}[$__rate_interval]))`;
const errorRatio = (by) =>
  `(sum by (${by}) (rate(http_request_duration_seconds_count{${SVC}, status_code=~"5.."}[$__rate_interval])) or ${reqRate(by)} * 0) / ${reqRate(by)}`;
const quantile = (q, by) =>
  `histogram_quantile(${q}, sum by (${by}, le) (rate(http_request_duration_seconds_bucket{${SVC}}[$__rate_interval])))`;

// --- System overview ------------------------------------------------------------------------------
const overview = dashboard({
  uid: 'ecom-overview',
  title: 'E-commerce / System overview',
  description:
    'Health of every scrape target, request and error rates, resources of services, containers and hosts.',
  tags: ['overview'],
  panels: [
    row('Health'),
    stat('Scrape targets up', [target('sum(up)', 'up'), target('count(up)', 'total')], {
      w: 4,
      description: 'Targets Prometheus scrapes successfully, out of all it discovered.',
    }),
    stat('Replicas up per job', [target('sum by (job) (up)', '{{job}}')], {
      w: 10,
      thresholds: RED_BELOW_1,
      description: 'Healthy replicas of each service and exporter (DNS discovery finds every replica).',
    }),
    stat('Firing alerts', [target('count(ALERTS{alertstate="firing"}) or vector(0)', 'firing')], {
      w: 4,
      thresholds: {
        mode: 'absolute',
        steps: [
          { color: 'green', value: null },
          { color: 'red', value: 1 },
        ],
      },
      description: 'Rules in monitoring/prometheus/alerts.yml currently firing (Prometheus /alerts).',
    }),
    stat(
      'Uptime (youngest replica)',
      [target(`min by (service) (time() - process_start_time_seconds{${SVC}})`, '{{service}}')],
      {
        w: 6,
        unit: 's',
        description: 'A low value means a replica restarted recently.',
      },
    ),
    stat('Target status', [target('up', '{{job}} {{instance}}')], {
      w: 24,
      h: 5,
      mappings: UP_MAPPINGS,
      thresholds: RED_BELOW_1,
      description:
        'One box per scrape target: every replica of every service, exporters, cAdvisor, node-exporter.',
    }),

    row('Traffic'),
    timeseries('Request rate by service', [target(reqRate('service'), '{{service}}')], { unit: 'reqps' }),
    timeseries('Error ratio (5xx) by service', [target(errorRatio('service'), '{{service}}')], {
      unit: 'percentunit',
      min: 0,
      description: 'Share of responses with a 5xx status. Alert HighErrorRatio fires above 1% for 5 minutes.',
    }),
    timeseries('Responses by status code', [target(reqRate('status_code'), '{{status_code}}')], {
      unit: 'reqps',
      stack: true,
    }),
    timeseries('p95 latency by service', [target(quantile(0.95, 'service'), '{{service}}')], {
      unit: 's',
      description: 'Alert HighLatencyP95 fires above 1 s for 5 minutes.',
    }),
    timeseries(
      'nginx requests and connections',
      [
        target('sum(rate(nginx_http_requests_total[$__rate_interval]))', 'requests/s'),
        target('sum(nginx_connections_active)', 'active connections'),
      ],
      { description: 'From nginx stub_status via nginx-prometheus-exporter (Docker stack only).' },
    ),

    row('Gateway'),
    timeseries(
      'Gateway → upstream requests by outcome',
      [
        target(
          'sum by (upstream, outcome) (rate(gateway_upstream_requests_total[$__rate_interval]))',
          '{{upstream}} {{outcome}}',
        ),
      ],
      {
        unit: 'reqps',
        w: 8,
        stack: true,
        description:
          'forwarded, or refused/failed: circuit_open, unavailable, timeout, client_closed, error.',
      },
    ),
    timeseries(
      'Gateway upstream failure ratio',
      [
        target(
          '(sum by (upstream) (rate(gateway_upstream_requests_total{outcome!="forwarded"}[$__rate_interval])) or sum by (upstream) (rate(gateway_upstream_requests_total[$__rate_interval])) * 0) / sum by (upstream) (rate(gateway_upstream_requests_total[$__rate_interval]))',
          '{{upstream}}',
        ),
      ],
      { unit: 'percentunit', min: 0, w: 8 },
    ),
    timeseries(
      'Gateway circuit breakers',
      [
        target('max by (upstream) (gateway_circuit_state)', 'state {{upstream}}'),
        target(
          'sum by (upstream) (increase(gateway_circuit_opened_total[$__rate_interval]))',
          'opened {{upstream}}',
        ),
      ],
      {
        w: 8,
        min: 0,
        description: 'State 0 closed, 1 half-open, 2 open (alert CircuitOpen); openings per interval.',
      },
    ),
    timeseries(
      'Rate-limit rejections (429) by limiter',
      [
        target(
          'sum by (limiter) (rate(gateway_rate_limit_rejections_total[$__rate_interval])) or sum(rate(http_request_duration_seconds_count{service="api-gateway"}[$__rate_interval])) * 0',
          '{{limiter}}',
        ),
      ],
      {
        unit: 'reqps',
        description:
          'general (all /api) and auth (/api/auth) limiters, shared by every gateway replica through Redis.',
      },
    ),
    timeseries(
      'Rate-limit store errors (requests let through)',
      [
        target(
          'sum by (limiter) (rate(gateway_rate_limit_store_errors_total[$__rate_interval])) or sum(rate(http_request_duration_seconds_count{service="api-gateway"}[$__rate_interval])) * 0',
          '{{limiter}}',
        ),
      ],
      {
        unit: 'reqps',
        description: 'Redis failures: the limiter fails open, so these requests were not limited.',
      },
    ),

    row('Orders and catalogue resilience'),
    timeseries(
      'Circuit breaker: order-service → product-service',
      [target(`max by (service, instance) (product_client_circuit_state{${SVC}})`, '{{instance}}')],
      { min: 0, description: '0 closed, 1 half-open, 2 open (alert CircuitOpen).' },
    ),
    timeseries(
      'Order outbox backlog',
      [target(`sum by (service) (order_outbox_backlog{${SVC}})`, '{{service}}')],
      {
        min: 0,
        description:
          'Orders whose events are not yet on the events:orders stream (alerts OutboxBacklogGrowing/High).',
      },
    ),
    timeseries(
      'Reservations waiting to be released',
      [target(`sum by (service) (inventory_releases_pending{${SVC}})`, '{{service}}')],
      { min: 0 },
    ),
    timeseries(
      'Product cache available',
      [target(`min by (service, instance) (product_cache_available{${SVC}})`, '{{instance}}')],
      {
        min: 0,
        description: '1 while Redis answers cache commands, 0 while product-service bypasses the cache.',
      },
    ),

    row('Resources'),
    timeseries(
      'CPU by service replica',
      [
        target(
          `sum by (service, instance) (rate(process_cpu_seconds_total{${SVC}}[$__rate_interval]))`,
          '{{service}} {{instance}}',
        ),
      ],
      { unit: 'percentunit' },
    ),
    timeseries(
      'Resident memory by service replica',
      [target(`process_resident_memory_bytes{${SVC}}`, '{{service}} {{instance}}')],
      { unit: 'bytes' },
    ),
    timeseries(
      'Container memory (working set) vs limit',
      [
        target('container_memory_working_set_bytes{name!=""}', '{{name}}'),
        target('container_spec_memory_limit_bytes{name!=""} > 0', 'limit {{name}}'),
      ],
      {
        unit: 'bytes',
        description: 'cAdvisor. Alert ContainerMemoryNearLimit fires above 90% of the limit.',
      },
    ),
    timeseries(
      'Container CPU',
      [
        target(
          'sum by (name) (rate(container_cpu_usage_seconds_total{name!=""}[$__rate_interval]))',
          '{{name}}',
        ),
      ],
      { unit: 'percentunit' },
    ),
    timeseries(
      'Host CPU and memory',
      [
        target(
          '1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[$__rate_interval]))',
          'CPU {{instance}}',
        ),
        target('1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes', 'memory {{instance}}'),
      ],
      { unit: 'percentunit', min: 0, description: 'node-exporter.' },
    ),
    timeseries(
      'Data stores',
      [
        target('redis_memory_used_bytes', 'Redis used'),
        target('redis_memory_max_bytes', 'Redis maxmemory'),
        target('mongodb_ss_mem_resident * 1024 * 1024', 'MongoDB resident'),
      ],
      {
        unit: 'bytes',
        description: 'Redis and MongoDB exporters. Alert RedisMemoryNearMax fires above 90% of maxmemory.',
      },
    ),
  ],
});

// --- Performance ------------------------------------------------------------------------------------
const performance = dashboard({
  uid: 'ecom-performance',
  title: 'E-commerce / Performance',
  description:
    'Latency percentiles per route and service, throughput, cache hit ratio, MongoDB/Redis latency, event loop.',
  tags: ['performance'],
  variables: [JAEGER_VARIABLE],
  panels: [
    row('Latency per route'),
    timeseries('p50 latency by route', [target(quantile(0.5, 'service, route'), '{{service}} {{route}}')], {
      unit: 's',
      w: 8,
    }),
    timeseries('p95 latency by route', [target(quantile(0.95, 'service, route'), '{{service}} {{route}}')], {
      unit: 's',
      w: 8,
      description: 'Click a series for the traces of that service at least this slow, in Jaeger.',
      links: SLOW_TRACES_LINK,
    }),
    timeseries('p99 latency by route', [target(quantile(0.99, 'service, route'), '{{service}} {{route}}')], {
      unit: 's',
      w: 8,
      description: 'Click a series for the traces of that service at least this slow, in Jaeger.',
      links: SLOW_TRACES_LINK,
    }),
    timeseries(
      'p50 / p95 / p99 by service',
      [
        target(quantile(0.5, 'service'), 'p50 {{service}}'),
        target(quantile(0.95, 'service'), 'p95 {{service}}'),
        target(quantile(0.99, 'service'), 'p99 {{service}}'),
      ],
      { unit: 's' },
    ),
    timeseries(
      'Average latency by service',
      [
        target(
          `sum by (service) (rate(http_request_duration_seconds_sum{${SVC}}[$__rate_interval])) / ${reqRate('service')}`,
          '{{service}}',
        ),
      ],
      { unit: 's' },
    ),

    row('Throughput'),
    timeseries(
      'Requests by route',
      [target(reqRate('service, method, route'), '{{service}} {{method}} {{route}}')],
      {
        unit: 'reqps',
        w: 16,
      },
    ),
    timeseries('Requests per replica', [target(reqRate('service, instance'), '{{service}} {{instance}}')], {
      unit: 'reqps',
      w: 8,
      description: 'Shows how evenly nginx / Docker DNS spread the load across replicas.',
    }),

    row('Cache and data stores'),
    timeseries(
      'Product cache hit ratio',
      [
        target(
          `(sum by (cache) (rate(product_cache_requests_total{${SVC}, result="hit"}[$__rate_interval])) or sum by (cache) (rate(product_cache_requests_total{${SVC}}[$__rate_interval])) * 0) / sum by (cache) (rate(product_cache_requests_total{${SVC}}[$__rate_interval]))`,
          '{{cache}}',
        ),
      ],
      { unit: 'percentunit', min: 0, w: 8 },
    ),
    timeseries(
      'Product cache lookups by result',
      [
        target(
          `sum by (cache, result) (rate(product_cache_requests_total{${SVC}}[$__rate_interval]))`,
          '{{cache}} {{result}}',
        ),
      ],
      { unit: 'ops', w: 8, stack: true },
    ),
    timeseries(
      'MongoDB operation latency',
      [
        target(
          'sum by (op_type) (rate(mongodb_ss_opLatencies_latency[$__rate_interval])) / sum by (op_type) (rate(mongodb_ss_opLatencies_ops[$__rate_interval])) / 1e6',
          '{{op_type}}',
        ),
      ],
      {
        unit: 's',
        w: 8,
        description: 'Server-side average per operation type (mongodb_exporter, serverStatus opLatencies).',
      },
    ),
    timeseries(
      'Redis command latency (top 10)',
      [
        target(
          'topk(10, sum by (cmd) (rate(redis_commands_duration_seconds_total[$__rate_interval])) / sum by (cmd) (rate(redis_commands_total[$__rate_interval])))',
          '{{cmd}}',
        ),
      ],
      { unit: 's', description: 'Server-side average per command (redis_exporter).' },
    ),
    timeseries(
      'Redis commands and evictions',
      [
        target('sum(rate(redis_commands_processed_total[$__rate_interval]))', 'commands/s'),
        target('sum(rate(redis_evicted_keys_total[$__rate_interval]))', 'evicted keys/s'),
      ],
      { unit: 'ops' },
    ),
    timeseries(
      'MongoDB command p95 by collection (as the services see it)',
      [
        target(
          `histogram_quantile(0.95, sum by (le, service, command, collection) (rate(mongodb_command_duration_seconds_bucket{${SVC}}[$__rate_interval])))`,
          '{{service}} {{command}} {{collection}}',
        ),
      ],
      {
        unit: 's',
        description:
          'Client-side, queueing included (mongodb_command_duration_seconds). A query that scans a collection shows up as one slow line.',
      },
    ),
    timeseries(
      'Sign-ups and logins waiting for bcrypt',
      [target(`user_password_hash_queue{${SVC}}`, '{{instance}}')],
      {
        description:
          'Hashes queued behind BCRYPT_CONCURRENCY running ones. A queue that stays long means sign-ups wait seconds: add user-service replicas or cores.',
      },
    ),

    row('Node.js runtime'),
    timeseries(
      'Event loop lag p99',
      [target(`nodejs_eventloop_lag_p99_seconds{${SVC}}`, '{{service}} {{instance}}')],
      {
        unit: 's',
        w: 8,
        description: 'Alert EventLoopLagHigh fires above 0.5 s for 5 minutes.',
      },
    ),
    timeseries('Heap used', [target(`nodejs_heap_size_used_bytes{${SVC}}`, '{{service}} {{instance}}')], {
      unit: 'bytes',
      w: 8,
    }),
    timeseries(
      'GC time',
      [
        target(
          `sum by (service) (rate(nodejs_gc_duration_seconds_sum{${SVC}}[$__rate_interval]))`,
          '{{service}}',
        ),
      ],
      { unit: 'percentunit', w: 8, description: 'Seconds spent in garbage collection per second.' },
    ),
  ],
});

// --- Business -----------------------------------------------------------------------------------
const business = dashboard({
  uid: 'ecom-business',
  title: 'E-commerce / Business',
  description: 'Registrations, logins, orders by status, revenue, stock-outs over the selected time range.',
  tags: ['business'],
  serviceVariable: false,
  panels: [
    row('Totals in the selected range'),
    stat('Registrations', [target('sum(increase(user_registrations_total[$__range]))', 'registrations')], {
      w: 4,
      decimals: 0,
    }),
    stat('Orders placed', [target('sum(increase(orders_created_total[$__range]))', 'orders')], {
      w: 4,
      decimals: 0,
    }),
    stat('Revenue', [target('sum by (currency) (increase(order_value_total[$__range]))', '{{currency}}')], {
      w: 6,
      decimals: 2,
    }),
    stat(
      'Failed order placements',
      [target('sum(increase(orders_failed_total[$__range])) or vector(0)', 'failed')],
      {
        w: 5,
        decimals: 0,
      },
    ),
    stat(
      'Stock-outs',
      [target('sum(increase(inventory_stockouts_total[$__range])) or vector(0)', 'stock-outs')],
      {
        w: 5,
        decimals: 0,
        description: 'Reservations that took the last unit of a product.',
      },
    ),

    row('Users'),
    timeseries(
      'Registrations',
      [target('sum(increase(user_registrations_total[$__rate_interval]))', 'registrations')],
      { w: 8 },
    ),
    timeseries(
      'Logins by outcome',
      [target('sum by (outcome) (increase(user_logins_total[$__rate_interval]))', '{{outcome}}')],
      {
        w: 8,
        stack: true,
      },
    ),
    timeseries(
      'Token refreshes by outcome',
      [target('sum by (outcome) (increase(user_token_refreshes_total[$__rate_interval]))', '{{outcome}}')],
      { w: 8, stack: true },
    ),

    row('Orders'),
    timeseries('Orders placed and failed', [
      target('sum(increase(orders_created_total[$__rate_interval]))', 'placed'),
      target(
        'sum by (reason) (increase(orders_failed_total[$__rate_interval])) or sum(increase(orders_created_total[$__rate_interval])) * 0',
        'failed: {{reason}}',
      ),
    ]),
    timeseries(
      'Order status changes (by new status)',
      [target('sum by (to) (increase(order_status_transitions_total[$__rate_interval]))', '{{to}}')],
      {
        stack: true,
        description:
          'Orders moving into each status (order_status_transitions_total). Orders currently in each status needs a gauge the order-service does not export yet.',
      },
    ),
    timeseries(
      'Revenue',
      [target('sum by (currency) (increase(order_value_total[$__rate_interval]))', '{{currency}}')],
      {
        description: 'Sum of placed orders per interval, in currency units.',
      },
    ),

    row('Inventory'),
    timeseries(
      'Reservations by outcome',
      [target('sum by (outcome) (increase(inventory_reservations_total[$__rate_interval]))', '{{outcome}}')],
      { stack: true, w: 8 },
    ),
    timeseries(
      'Stock-outs',
      [target('sum(increase(inventory_stockouts_total[$__rate_interval]))', 'stock-outs')],
      { w: 8 },
    ),
    timeseries(
      'Releases and order events',
      [
        target(
          'sum by (outcome) (increase(inventory_releases_total[$__rate_interval]))',
          'release {{outcome}}',
        ),
        target(
          'sum by (type, outcome) (increase(order_events_processed_total[$__rate_interval]))',
          'event {{type}} {{outcome}}',
        ),
      ],
      { w: 8 },
    ),
  ],
});

// --- write / check --------------------------------------------------------------------------------
const files = {
  'system-overview.json': overview,
  'performance.json': performance,
  'business.json': business,
};
// Formatted with the repository's prettier settings, so `prettier --check .` agrees with the files.
async function format(json, path) {
  const text = `${JSON.stringify(json, null, 2)}\n`;
  try {
    const prettier = await import('prettier');
    const options = (await prettier.resolveConfig(path)) ?? {};
    return await prettier.format(text, { ...options, filepath: path });
  } catch {
    return text;
  }
}

const check = process.argv.includes('--check');
let stale = 0;
for (const [name, json] of Object.entries(files)) {
  const path = join(outDir, name);
  const text = await format(json, path);
  if (check) {
    let current = '';
    try {
      current = readFileSync(path, 'utf8');
    } catch {
      /* missing counts as stale */
    }
    if (current !== text) {
      console.error(`stale: ${path} (run node monitoring/grafana/build-dashboards.mjs)`);
      stale += 1;
    }
  } else {
    writeFileSync(path, text);
    console.log(`wrote ${path}`);
  }
}
process.exit(stale ? 1 : 0);
