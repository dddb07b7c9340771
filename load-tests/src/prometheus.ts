export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function unescapeLabel(value: string): string {
  return value.replace(/\\(["\\n])/g, (_match, char: string) => (char === 'n' ? '\n' : char));
}

function parseValue(raw: string): number {
  if (raw === '+Inf') return Infinity;
  if (raw === '-Inf') return -Infinity;
  return Number(raw);
}

/** Parses the Prometheus text exposition format (what prom-client serves on /metrics). */
export function parsePrometheus(text: string): PromSample[] {
  const samples: PromSample[] = [];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE_LINE.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    if (match[3]) {
      for (const label of match[3].matchAll(LABEL)) labels[label[1]!] = unescapeLabel(label[2]!);
    }
    samples.push({ name: match[1]!, labels, value: parseValue(match[4]!) });
  }
  return samples;
}

/** Sum of the samples with this name whose labels include `where`. */
export function sumOf(
  samples: readonly PromSample[],
  name: string,
  where: Record<string, string> = {},
): number {
  let total = 0;
  let found = false;
  for (const sample of samples) {
    if (sample.name !== name) continue;
    if (Object.entries(where).some(([key, value]) => sample.labels[key] !== value)) continue;
    total += sample.value;
    found = true;
  }
  return found ? total : NaN;
}

export interface ProcessSnapshot {
  /** performance.now() when scraped. */
  at: number;
  cpuSeconds: number;
  rssBytes: number;
  /** MongoDB commands sent so far (mongodb_command_duration_seconds_count, every command). */
  dbCommands: number;
  /** product_cache_requests_total by result, for product and product_list caches (product-service only). */
  cache?: { hit: number; miss: number; bypass: number };
}

export function processSnapshot(samples: readonly PromSample[], at: number): ProcessSnapshot {
  const snapshot: ProcessSnapshot = {
    at,
    cpuSeconds: sumOf(samples, 'process_cpu_seconds_total'),
    rssBytes: sumOf(samples, 'process_resident_memory_bytes'),
    dbCommands: sumOf(samples, 'mongodb_command_duration_seconds_count'),
  };
  if (samples.some((sample) => sample.name === 'product_cache_requests_total')) {
    const count = (result: string) =>
      ['product', 'product_list'].reduce((sum, cache) => {
        const value = sumOf(samples, 'product_cache_requests_total', { cache, result });
        return sum + (Number.isNaN(value) ? 0 : value);
      }, 0);
    snapshot.cache = { hit: count('hit'), miss: count('miss'), bypass: count('bypass') };
  }
  return snapshot;
}
