/** A random number in [0, 1). */
export type Rng = () => number;

/** mulberry32: tiny, fast and good enough for choosing actions; the same seed gives the same run. */
export function mulberry32(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A per-user seed from the run's seed, so each virtual user has its own reproducible stream. */
export function deriveSeed(base: number, index: number): number {
  let h = (base ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (index + 0x85ebca6b), 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

export interface Weighted<T> {
  value: T;
  weight: number;
}

/** Picks a value with probability weight / sum(weights). Weights must be ≥ 0 with a positive sum. */
export function weightedChoice<T>(rng: Rng, items: readonly Weighted<T>[]): T {
  let total = 0;
  for (const item of items) {
    if (!(item.weight >= 0) || !Number.isFinite(item.weight))
      throw new Error(`invalid weight ${item.weight}`);
    total += item.weight;
  }
  if (total <= 0) throw new Error('weights must have a positive sum');
  let point = rng() * total;
  for (const item of items) {
    if (point < item.weight) return item.value;
    point -= item.weight;
  }
  // Floating-point leftovers: the last item with a positive weight.
  for (let i = items.length - 1; i >= 0; i--) if (items[i]!.weight > 0) return items[i]!.value;
  throw new Error('unreachable');
}

/** An integer in [min, max], both inclusive. */
export function randomInt(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

export function pickOne<T>(rng: Rng, items: readonly T[]): T {
  if (items.length === 0) throw new Error('cannot pick from an empty list');
  return items[Math.floor(rng() * items.length)]!;
}

/** Up to `count` distinct items (partial Fisher-Yates on a copy). */
export function pickDistinct<T>(rng: Rng, items: readonly T[], count: number): T[] {
  const copy = [...items];
  const n = Math.min(count, copy.length);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(rng() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, n);
}
