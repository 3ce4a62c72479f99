/** GET /metrics of a service (its GraphQL URL's origin) and the Prometheus text read into samples. */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Scrape {
  text: string;
  samples: Sample[];
  /** Sum of the samples of `name` whose labels include `labels`. */
  sum(name: string, labels?: Record<string, string>): number;
  /** How many series of `name` there are. */
  series(name: string): number;
}

export function metricsUrl(graphqlUrl: string): string {
  return new URL('/metrics', graphqlUrl).toString();
}

export function parseMetrics(text: string): Scrape {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line.slice(0, 200)}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  const matching = (name: string, labels: Record<string, string> = {}) =>
    samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return {
    text,
    samples,
    sum: (name, labels) => matching(name, labels).reduce((a, s) => a + s.value, 0),
    series: (name) => matching(name).length,
  };
}

export async function scrape(graphqlUrl: string, headers: Record<string, string> = {}): Promise<Scrape> {
  const res = await fetch(metricsUrl(graphqlUrl), { headers });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}: ${text.slice(0, 200)}`);
  return parseMetrics(text);
}
