import { type CapacityLimits, capacityLine, type CapacityResult } from './capacity';
import type { InventoryReport } from './inventory';
import type { ArrivalCounts, RatePlan } from './open-model';
import type { FailureSample } from './recorder';
import type { ScenarioName } from './scenarios';
import { cpuPerUnit } from './process-cpu';
import type { ServiceUsage } from './service-metrics';
import type { CacheCounts, Summary, TimelinePoint } from './summary';
import type { ThresholdResult } from './thresholds';

export interface MaxStep {
  users: number;
  passed: boolean;
  /** Why the step failed (the thresholds that did not hold). */
  reason: string;
  requests: number;
  rps: number;
  failed: number;
  rateLimited: number;
  stockouts: number;
  successRate: number;
  p95: number;
  p99: number;
  /** The step's first failures, if any. */
  failures: FailureSample[];
}

export interface RunReport {
  tool: '@ecom/load-tests';
  scenario: ScenarioName;
  command: string;
  baseUrl: string;
  seed: number;
  users: number;
  durationSec: number;
  rampSec: number;
  requestCap: number;
  stoppedBy: 'duration' | 'request cap' | 'interrupted';
  startedAt: string;
  elapsedSec: number;
  environment: {
    node: string;
    platform: string;
    cpus: number;
    cpuModel: string;
    loadAverage: number[];
    /** CPU the load generator itself used during the measured run (it shares the machine). */
    generatorCpuSeconds: number;
  };
  rateLimits: { general: number | null; auth: number | null };
  overall: Summary;
  groups: Summary[];
  endpoints: Summary[];
  timeline: TimelinePoint[];
  failures: FailureSample[];
  /** X-Cache of the browsing responses the tool received. */
  browsingCache: CacheCounts | null;
  /** product-service's own cache counters (product + product_list) over the run. */
  serverCache: CacheCounts | null;
  orders: { attempted: number; placed: number; stockouts: number; unitsOrdered: number };
  inventory: InventoryReport;
  services: ServiceUsage[];
  thresholds: ThresholdResult[];
  passed: boolean;
  max?: { bestUsers: number | null; bestRps: number | null; p95BelowMs: number; steps: MaxStep[] };
  /** Open model (--rate): the plan, and what was offered, achieved and dropped; `users` is the in-flight limit. */
  open?: ArrivalCounts & { plan: RatePlan };
  notes: string[];
}

/**
 * CPU per placed order (when orders were placed) and per successful request, summed over every
 * process measured: the services' /metrics and, under load:stack, the database, Redis and nginx.
 */
export function cpuLines(report: Pick<RunReport, 'services' | 'orders' | 'overall'>): string[] {
  const line = (unit: string, count: number) => {
    const { perUnit, totalMs, complete } = cpuPerUnit(report.services, count);
    const parts = perUnit
      .filter((row) => row.ms !== null)
      .sort((a, b) => b.ms! - a.ms!)
      .map((row) => `${row.name} ${row.ms!.toFixed(2)}`);
    return (
      `CPU per ${unit} (${count}): ${totalMs === null ? 'n/a' : `${totalMs.toFixed(2)} ms`} in all` +
      `${complete ? '' : ' (some processes unreadable)'} — ${parts.join(', ')}`
    );
  };
  const lines = [];
  if (report.orders.placed > 0) lines.push(line('placed order', report.orders.placed));
  const commands = report.services.filter((service) => (service.dbCommands ?? 0) > 0);
  if (report.orders.placed > 0 && commands.length > 0) {
    const per = (count: number) => (count / report.orders.placed).toFixed(2);
    const total = commands.reduce((sum, service) => sum + service.dbCommands!, 0);
    lines.push(
      `Database commands per placed order: ${per(total)} — ` +
        commands.map((service) => `${service.name} ${per(service.dbCommands!)}`).join(', '),
    );
  }
  if (report.overall.ok > 0) lines.push(line('successful request', report.overall.ok));
  return lines;
}

const pct = (ratio: number | null | undefined) =>
  ratio === null || ratio === undefined ? 'n/a' : `${(ratio * 100).toFixed(2)}%`;
const num = (value: number | null | undefined, digits = 0) =>
  value === null || value === undefined || !Number.isFinite(value) ? 'n/a' : value.toFixed(digits);

function table(headers: string[], rows: string[][], alignLeft = 1): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) =>
        column < alignLeft ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!),
      )
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

const SUMMARY_HEADERS = [
  '',
  'requests',
  'rps',
  'success',
  'failed',
  '409',
  '429',
  'p50 ms',
  'p90 ms',
  'p95 ms',
  'p99 ms',
  'max ms',
];

function summaryRow(summary: Summary, label = summary.label): string[] {
  const l = summary.latency;
  return [
    label,
    String(summary.requests),
    num(summary.rps, 1),
    pct(summary.successRate),
    String(summary.failed),
    String(summary.stockouts),
    String(summary.rateLimited),
    num(l.p50, 1),
    num(l.p90, 1),
    num(l.p95, 1),
    num(l.p99, 1),
    num(l.max, 1),
  ];
}

/** Rows shared by the text and the HTML report: one per group, then the overall line. */
function groupRows(report: RunReport): string[][] {
  return [...report.groups.map((group) => summaryRow(group)), summaryRow(report.overall, 'OVERALL')];
}

function endpointRows(report: RunReport): string[][] {
  return report.endpoints.map((endpoint) => summaryRow(endpoint));
}

function describeRun(report: RunReport): string {
  if (report.open) {
    const { plan } = report.open;
    const rate =
      plan.from === plan.to
        ? `${plan.to} arrivals/s`
        : `${plan.from} → ${plan.to} arrivals/s over ${plan.rampSec} s`;
    return `open model, ${rate}, ${report.durationSec} s, at most ${report.users} in flight, seed ${report.seed}`;
  }
  const ramp = report.rampSec > 0 ? ` (${report.rampSec} s ramp)` : '';
  return `${report.users} users, ${report.durationSec} s${ramp}, seed ${report.seed}`;
}

/** Offered vs achieved rate and dropped arrivals of an open-model run; undefined for the closed model. */
function openLine(report: RunReport): string | undefined {
  const open = report.open;
  if (!open) return undefined;
  const droppedShare = open.offered === 0 ? 0 : (open.dropped / open.offered) * 100;
  return (
    `Rate: offered ${num(open.offeredRate, 1)}/s (${open.offered} arrivals), achieved ` +
    `${num(open.achievedRate, 1)}/s (${open.completed} completed), dropped ${open.dropped} ` +
    `(${droppedShare.toFixed(2)}%); latency counts from each arrival's intended start ` +
    `(generator start lag p99 ${num(open.startLagP99Ms, 1)} ms)`
  );
}

export function inventoryLine(inventory: InventoryReport): string {
  if (!inventory.checked) return `NOT CHECKED (${inventory.note ?? 'no products'})`;
  const server =
    inventory.unitsOrderedServer === null ? '' : `, order-service lists ${inventory.unitsOrderedServer}`;
  return (
    `${inventory.passed ? 'PASS' : 'FAIL'}: ${inventory.products} products, stock sold ${inventory.unitsSold}, ` +
    `ordered ${inventory.unitsOrderedClient}${server}; ${inventory.mismatches.length} mismatched, ` +
    `${inventory.negativeStock.length} negative`
  );
}

export function renderText(report: RunReport): string {
  const out: string[] = [];
  out.push(`Load test "${report.scenario}" against ${report.baseUrl}: ${describeRun(report)}`);
  out.push(
    `started ${report.startedAt}, measured ${report.elapsedSec} s, stopped by ${report.stoppedBy}; ` +
      `${report.overall.requests} requests (cap ${report.requestCap})`,
  );
  out.push(`command: ${report.command}`);
  const rate = openLine(report);
  if (rate) out.push(rate);
  if (report.max) {
    out.push('');
    out.push(
      report.max.bestUsers === null
        ? `Max: no concurrency met 0 errors and p95 < ${report.max.p95BelowMs} ms`
        : `Max: ${report.max.bestUsers} users with 0 errors and p95 < ${report.max.p95BelowMs} ms ` +
            `(${num(report.max.bestRps, 1)} rps); the tables below are that step`,
    );
    out.push(
      table(
        ['users', 'result', 'requests', 'rps', 'success', 'failed', '409', '429', 'p95 ms', 'p99 ms', 'why'],
        report.max.steps.map((step) => [
          String(step.users),
          step.passed ? 'pass' : 'FAIL',
          String(step.requests),
          num(step.rps, 1),
          pct(step.successRate),
          String(step.failed),
          String(step.stockouts),
          String(step.rateLimited),
          num(step.p95, 1),
          num(step.p99, 1),
          step.reason,
        ]),
        2,
      ),
    );
    for (const step of report.max.steps) {
      for (const failure of step.failures.slice(0, 3)) {
        out.push(
          `  ${step.users} users, +${failure.atSeconds}s ${failure.endpoint} status ${failure.status || 'none'}: ${failure.error}`,
        );
      }
    }
  }
  out.push('');
  out.push(table(SUMMARY_HEADERS, groupRows(report)));
  out.push('');
  out.push(table(SUMMARY_HEADERS, endpointRows(report)));
  out.push('');
  out.push(
    `Cache during browsing: ${pct(report.browsingCache?.hitRatio)} X-Cache HIT` +
      (report.browsingCache
        ? ` (${report.browsingCache.hits} hit / ${report.browsingCache.misses} miss)`
        : '') +
      `; product-service counters: ${pct(report.serverCache?.hitRatio)}`,
  );
  out.push(
    `Orders: ${report.orders.attempted} attempted, ${report.orders.placed} placed, ` +
      `${report.orders.stockouts} stock-outs (409), ${report.orders.unitsOrdered} units`,
  );
  out.push(`Inventory invariant: ${inventoryLine(report.inventory)}`);
  for (const mismatch of report.inventory.mismatches.slice(0, 10)) {
    out.push(
      `  ${mismatch.productId}: initial ${mismatch.initial}, final ${mismatch.final ?? 'unreadable'}, ` +
        `sold ${mismatch.sold ?? '?'}, ordered ${mismatch.orderedClient}` +
        (mismatch.orderedServer === null ? '' : `, order-service ${mismatch.orderedServer}`),
    );
  }
  out.push('');
  const reachable = report.services.filter((service) => service.reachable);
  out.push(
    table(
      ['service', 'CPU s', 'CPU %', 'RSS start MB', 'RSS end MB', 'RSS peak MB'],
      reachable.map((service) => [
        service.name,
        num(service.cpuSeconds, 2),
        num(service.cpuPercent, 1),
        num(service.rssStartMb, 1),
        num(service.rssEndMb, 1),
        num(service.rssPeakMb, 1),
      ]),
    ),
  );
  for (const service of report.services.filter((candidate) => !candidate.reachable)) {
    out.push(`${service.name}: /metrics unreachable (${service.error ?? service.url})`);
  }
  out.push(
    'CPU % = CPU seconds / wall seconds x 100 (100 = one full core), from each /metrics before and after' +
      (report.services.some((service) => service.url.startsWith('/proc'))
        ? ' (processes without /metrics: from /proc)'
        : ''),
  );
  out.push(...cpuLines(report));
  out.push(
    `load generator: ${num(report.environment.generatorCpuSeconds, 2)} CPU s on the same machine ` +
      `(${report.environment.cpus} × ${report.environment.cpuModel}, load average ` +
      `${report.environment.loadAverage.map((value) => value.toFixed(2)).join(' ')})`,
  );
  if (report.failures.length > 0) {
    out.push('');
    out.push(`First failures (of ${report.overall.failed}):`);
    for (const failure of report.failures.slice(0, 10)) {
      out.push(
        `  +${failure.atSeconds}s ${failure.endpoint} status ${failure.status || 'none'}: ${failure.error}`,
      );
    }
  }
  for (const note of report.notes) out.push(`note: ${note}`);
  out.push('');
  out.push('Thresholds:');
  for (const result of report.thresholds) {
    out.push(`  ${result.passed ? 'PASS' : 'FAIL'}  ${result.name}: ${result.actual} (${result.limit})`);
  }
  out.push(`Result: ${report.passed ? 'PASS' : 'FAIL'}`);
  return out.join('\n') + '\n';
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

const ROUND_STEPS = [1, 2, 5, 10];
const FINE_STEPS = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10];

/** The smallest step × 10^k (steps 1, 2, 5 by default) that is at least `value`, and at least 1. */
export function niceCeil(value: number, steps: readonly number[] = ROUND_STEPS): number {
  if (!(value > 1)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of steps) if (step * power >= value) return step * power;
  return 10 * power;
}

interface Series {
  label: string;
  color: string;
  values: number[];
  dashed?: boolean;
}

/** A line chart over seconds of the run, as a standalone SVG element. */
export function lineChartSvg(
  title: string,
  unit: string,
  seconds: number,
  series: Series[],
  size = { width: 900, height: 300 },
): string {
  const margin = { left: 60, right: 20, top: 30, bottom: 40 };
  const plotWidth = size.width - margin.left - margin.right;
  const plotHeight = size.height - margin.top - margin.bottom;
  const yMax = niceCeil(
    Math.max(1, ...series.flatMap((line) => line.values.filter(Number.isFinite))),
    FINE_STEPS,
  );
  const xMax = Math.max(1, seconds);
  const x = (second: number) => margin.left + (second / xMax) * plotWidth;
  const y = (value: number) => margin.top + plotHeight - (Math.min(value, yMax) / yMax) * plotHeight;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size.width}" height="${size.height}" ` +
      `viewBox="0 0 ${size.width} ${size.height}" font-family="sans-serif" font-size="11">`,
  );
  parts.push(`<title>${escapeHtml(title)}</title>`);
  parts.push(`<text x="${margin.left}" y="18" font-size="13" font-weight="bold">${escapeHtml(title)}</text>`);
  for (let i = 0; i <= 4; i++) {
    const value = (yMax / 4) * i;
    const py = y(value).toFixed(1);
    parts.push(
      `<line x1="${margin.left}" x2="${size.width - margin.right}" y1="${py}" y2="${py}" stroke="#ddd"/>` +
        `<text x="${margin.left - 6}" y="${py}" text-anchor="end" dominant-baseline="middle">` +
        `${Number(value.toPrecision(3))}</text>`,
    );
  }
  const xStep = niceCeil(xMax / 10);
  for (let second = 0; second <= xMax; second += xStep) {
    const px = x(second).toFixed(1);
    parts.push(
      `<line x1="${px}" x2="${px}" y1="${margin.top}" y2="${margin.top + plotHeight}" stroke="#eee"/>` +
        `<text x="${px}" y="${margin.top + plotHeight + 14}" text-anchor="middle">${second}</text>`,
    );
  }
  parts.push(
    `<text x="${margin.left + plotWidth / 2}" y="${size.height - 6}" text-anchor="middle">seconds</text>` +
      `<text x="14" y="${margin.top + plotHeight / 2}" text-anchor="middle" ` +
      `transform="rotate(-90 14 ${margin.top + plotHeight / 2})">${escapeHtml(unit)}</text>`,
  );
  series.forEach((line, index) => {
    const points = line.values
      .map((value, second) =>
        Number.isFinite(value) ? `${x(second + 0.5).toFixed(1)},${y(value).toFixed(1)}` : '',
      )
      .filter(Boolean)
      .join(' ');
    const dash = line.dashed ? ' stroke-dasharray="4 3"' : '';
    parts.push(`<polyline fill="none" stroke="${line.color}" stroke-width="1.6"${dash} points="${points}"/>`);
    const lx = margin.left + 10 + index * 110;
    parts.push(
      `<rect x="${lx}" y="${margin.top + 4}" width="12" height="3" fill="${line.color}"/>` +
        `<text x="${lx + 16}" y="${margin.top + 8}">${escapeHtml(line.label)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

export function latencyChartSvg(timeline: readonly TimelinePoint[]): string {
  return lineChartSvg('Latency per second', 'ms', timeline.length, [
    { label: 'p50', color: '#1f77b4', values: timeline.map((point) => point.p50) },
    { label: 'p95', color: '#ff7f0e', values: timeline.map((point) => point.p95) },
    { label: 'p99', color: '#d62728', values: timeline.map((point) => point.p99) },
  ]);
}

export function throughputChartSvg(timeline: readonly TimelinePoint[]): string {
  return lineChartSvg('Throughput per second', 'requests / s, users', timeline.length, [
    { label: 'requests/s', color: '#2ca02c', values: timeline.map((point) => point.requests) },
    {
      label: 'active users',
      color: '#7f7f7f',
      values: timeline.map((point) => point.activeUsers),
      dashed: true,
    },
    { label: 'failed/s', color: '#d62728', values: timeline.map((point) => point.failed) },
    {
      label: '409 + 429 /s',
      color: '#9467bd',
      values: timeline.map((point) => point.stockouts + point.rateLimited),
    },
  ]);
}

function htmlTable(headers: string[], rows: string[][]): string {
  const head = headers.map((header) => `<th>${escapeHtml(header)}</th>`).join('');
  const body = rows
    .map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** A self-contained page: summary tables and the charts, no scripts, nothing fetched. */
export function renderHtml(report: RunReport): string {
  const title = `Load test ${report.scenario}: ${report.passed ? 'PASS' : 'FAIL'}`;
  const sections: string[] = [];
  sections.push(`<h1>${escapeHtml(title)}</h1>`);
  sections.push(
    `<p>${escapeHtml(
      `${report.baseUrl}: ${describeRun(report)}; started ${report.startedAt}, measured ` +
        `${report.elapsedSec} s, stopped by ${report.stoppedBy}.`,
    )}<br><code>${escapeHtml(report.command)}</code></p>`,
  );
  const rate = openLine(report);
  if (rate) sections.push(`<p><strong>${escapeHtml(rate)}</strong></p>`);
  sections.push(latencyChartSvg(report.timeline));
  sections.push(throughputChartSvg(report.timeline));
  sections.push('<h2>Groups</h2>');
  sections.push(htmlTable(SUMMARY_HEADERS, groupRows(report)));
  sections.push('<h2>Endpoints</h2>');
  sections.push(htmlTable(SUMMARY_HEADERS, endpointRows(report)));
  if (report.max) {
    sections.push('<h2>Max search</h2>');
    sections.push(
      htmlTable(
        ['users', 'result', 'requests', 'rps', 'failed', 'p95 ms', 'p99 ms', 'why'],
        report.max.steps.map((step) => [
          String(step.users),
          step.passed ? 'pass' : 'FAIL',
          String(step.requests),
          num(step.rps, 1),
          String(step.failed),
          num(step.p95, 1),
          num(step.p99, 1),
          step.reason,
        ]),
      ),
    );
  }
  sections.push('<h2>Cache, orders, inventory</h2>');
  sections.push(
    `<ul><li>${escapeHtml(
      `browsing X-Cache hit ratio ${pct(report.browsingCache?.hitRatio)}; product-service ` +
        `counters ${pct(report.serverCache?.hitRatio)}`,
    )}</li>` +
      `<li>${escapeHtml(
        `orders: ${report.orders.attempted} attempted, ${report.orders.placed} placed, ` +
          `${report.orders.stockouts} stock-outs, ${report.orders.unitsOrdered} units`,
      )}</li>` +
      `<li>${escapeHtml(`inventory invariant: ${inventoryLine(report.inventory)}`)}</li></ul>`,
  );
  sections.push('<h2>Services</h2>');
  sections.push(
    htmlTable(
      ['service', 'CPU s', 'CPU %', 'RSS start MB', 'RSS end MB', 'RSS peak MB'],
      report.services.map((service) => [
        service.name,
        num(service.cpuSeconds, 2),
        num(service.cpuPercent, 1),
        num(service.rssStartMb, 1),
        num(service.rssEndMb, 1),
        num(service.rssPeakMb, 1),
      ]),
    ),
  );
  sections.push(
    `<ul>${cpuLines(report)
      .map((line) => `<li>${escapeHtml(line)}</li>`)
      .join('')}</ul>`,
  );
  sections.push('<h2>Thresholds</h2>');
  sections.push(
    htmlTable(
      ['', 'threshold', 'actual', 'limit'],
      report.thresholds.map((result) => [
        result.passed ? 'PASS' : 'FAIL',
        result.name,
        result.actual,
        result.limit,
      ]),
    ),
  );
  if (report.failures.length > 0) {
    sections.push('<h2>First failures</h2>');
    sections.push(
      htmlTable(
        ['at s', 'endpoint', 'status', 'error'],
        report.failures.map((failure) => [
          String(failure.atSeconds),
          failure.endpoint,
          String(failure.status),
          failure.error,
        ]),
      ),
    );
  }
  if (report.notes.length > 0) {
    sections.push(`<ul>${report.notes.map((note) => `<li>${escapeHtml(note)}</li>`).join('')}</ul>`);
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body { font-family: sans-serif; margin: 24px; color: #222; }
table { border-collapse: collapse; margin: 8px 0 16px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; font-variant-numeric: tabular-nums; }
th:first-child, td:first-child { text-align: left; }
svg { display: block; margin: 12px 0; }
</style></head>
<body>
${sections.join('\n')}
</body></html>
`;
}

/** The capacity search: each scenario's steps, then one line with the sustainable rates. */
export function renderCapacityText(
  results: readonly CapacityResult[],
  limits: CapacityLimits,
  inventory: InventoryReport,
  notes: readonly string[],
): string {
  const out: string[] = [];
  for (const result of results) {
    out.push(`${result.scenario}:`);
    out.push(
      table(
        ['rate/s', 'result', 'achieved/s', 'dropped', 'requests', 'failed', 'p50 ms', 'p99 ms', 'why'],
        result.steps.map((step) => [
          String(step.rate),
          step.passed ? 'holds' : 'FAIL',
          num(step.achievedRate, 1),
          String(step.dropped),
          String(step.requests),
          String(step.failed),
          num(step.p50, 1),
          num(step.p99, 1),
          step.reason,
        ]),
        0,
      ),
    );
    out.push('');
  }
  out.push(`Inventory invariant: ${inventoryLine(inventory)}`);
  for (const note of notes) out.push(`note: ${note}`);
  out.push(capacityLine(results, limits));
  return out.join('\n') + '\n';
}
