/*
 * Percentiles of pooled per-request latencies (reveal-1m pools every round of one condition) and a
 * bootstrap interval for the ratio of two conditions' percentiles, so a table row says how far its
 * p99 ratio can move from sampling alone. The bootstrap resamples requests, so it covers the
 * sampling noise of a few thousand requests, not the drift between rounds: the rows print each
 * round's p99 beside it for that.
 */

/** Nearest-rank percentile of ascending `sorted` (p in (0, 1]). */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length))) - 1];
}

/** A small seeded PRNG (mulberry32): the interval is reproducible from the same latencies. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Gamma(k, 1): a sum of k exponentials, or its normal approximation when k is large. */
function gamma(k: number, rand: () => number): number {
  if (k > 1000) {
    const z = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    return k + Math.sqrt(k) * z;
  }
  let s = 0;
  for (let i = 0; i < k; i++) s -= Math.log(1 - rand());
  return s;
}

/**
 * One bootstrap draw of percentile p of ascending `sorted`: the rank-r value of n draws with
 * replacement is sorted[ceil(n·U(r)) - 1], U(r) the r-th smallest of n uniforms, and 1 - U(r) is
 * Gamma(k) / (Gamma(k) + Gamma(n + 1 - k)) with k = n - r + 1; no resample is built.
 */
function resampledPercentile(sorted: number[], p: number, rand: () => number): number {
  const n = sorted.length;
  const r = Math.min(n, Math.max(1, Math.ceil(p * n)));
  const k = n - r + 1;
  const top = gamma(k, rand);
  const u = 1 - top / (top + gamma(n + 1 - k, rand));
  return sorted[Math.min(n, Math.max(1, Math.ceil(n * u))) - 1];
}

/** 95% bootstrap interval of percentile(b, p) / percentile(a, p); both ascending. */
export function percentileRatioInterval(a: number[], b: number[], p: number, draws = 2000): [number, number] {
  const rand = rng(a.length * 31 + b.length);
  const ratios: number[] = [];
  for (let i = 0; i < draws; i++) ratios.push(resampledPercentile(b, p, rand) / resampledPercentile(a, p, rand));
  ratios.sort((x, y) => x - y);
  return [percentile(ratios, 0.025), percentile(ratios, 0.975)];
}
