/*
 * The one table of a bench run, its targets (from issue 12, met or missed as measured), and the
 * files: bench/results/latest.md (machine, date, commit, command, table, causes of each miss with
 * the measured CPU split, then bench/results/analysis.md verbatim if present) and latest.json.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Row {
  name: string;
  label: string;
  /** Items per request (encryptBatch 1000, batchGetSecretValue 100); 1 otherwise. */
  items: number;
  rate: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  failed: number;
  /** Percent of one core per process during the timed run; `other` = the rest of the machine. */
  cpu: Record<string, number>;
  concurrency: number;
  error?: string;
  note?: string;
  /** Set by evaluate(). */
  xb?: number;
  xc?: number;
  target?: string;
  met?: boolean | null;
  /** What the target was computed from (e.g. RSS per process). */
  measured?: string;
  rss?: { at10k: Record<string, number>; at100k: Record<string, number> };
  /** reveal-1m: 95% bootstrap interval of its p99 over the 1k row's. */
  p99RatioInterval?: [number, number];
}

const by = (rows: Row[], name: string) => rows.find((r) => r.name === name && !r.error);

/** Ratios to the floor rows of the same run, and each target's verdict (null: not computable in this run). */
export function evaluate(rows: Row[]): void {
  const b = by(rows, 'b');
  const c = by(rows, 'c');
  for (const r of rows) {
    if (b && r.name !== 'b') r.xb = r.rate / b.rate;
    if (c && r.name !== 'c') r.xc = r.rate / c.rate;
    const need = (ok: boolean | undefined) => (r.error ? false : ok === undefined ? null : ok);
    switch (r.name) {
      case 'encrypt':
        r.target = '≥ 1.0×(c) and ≥ 2×(b)';
        r.met = need(r.xb === undefined || r.xc === undefined ? undefined : r.xc >= 1 && r.xb >= 2);
        break;
      case 'getSecretValue':
        r.target = '≥ 0.7×(c)';
        r.met = need(r.xc === undefined ? undefined : r.xc >= 0.7);
        break;
      case 'putSecretValue':
        r.target = '≥ 0.5×(c)';
        r.met = need(r.xc === undefined ? undefined : r.xc >= 0.5);
        break;
      case 'page-kmskey': {
        const base = by(rows, 'page');
        r.target = '≥ 0.8× page without kmsKey, ≥ 300 pages/s';
        if (base) r.measured = `${fmt(r.rate / base.rate, 2)}× without kmsKey`;
        r.met = need(base ? r.rate / base.rate >= 0.8 && r.rate >= 300 : undefined);
        break;
      }
      case 'encryptBatch':
        r.target = '≥ 60k items/s';
        r.met = need(r.rate * r.items >= 60_000);
        break;
      case 'batchGetSecretValue':
        r.target = '≥ 20k values/s';
        r.met = need(r.rate * r.items >= 20_000);
        break;
      case 'audit-lookup':
      case 'reveal-1m': {
        const base = by(rows, r.name === 'reveal-1m' ? 'reveal-1k' : 'audit-lookup-1k');
        r.target = 'p99 ≤ 1.2× p99 at 1k';
        const ci = r.p99RatioInterval ? `, 95% interval ${fmt(r.p99RatioInterval[0], 2)}-${fmt(r.p99RatioInterval[1], 2)}×` : '';
        if (base) r.measured = `p99 ${fmt(r.p99Ms / base.p99Ms, 2)}× at 1k${ci}`;
        r.met = need(base ? r.p99Ms <= 1.2 * base.p99Ms : undefined);
        break;
      }
      case 'memory': {
        r.target = 'RSS after 100k ≤ 1.2× after 10k, every service';
        const rss = r.rss;
        if (rss) {
          const ratios = Object.keys(rss.at10k).map((n) => [n, rss.at100k[n] / rss.at10k[n]] as const);
          r.measured = ratios.map(([n, x]) => `${short(n)} ${fmt(rss.at10k[n])}→${fmt(rss.at100k[n])} MiB (${fmt(x, 2)}×)`).join(', ');
          r.met = need(ratios.every(([, x]) => x <= 1.2));
        } else r.met = need(undefined);
        break;
      }
      default:
        break;
    }
  }
}

export function fmt(n: number | undefined, digits = 0): string {
  return n !== undefined && Number.isFinite(n) ? n.toFixed(digits) : '-';
}

const SHORT: Record<string, string> = {
  gateway: 'gw', platform: 'plat', secrets: 'sec', 'kms-us-east-1': 'kms-us', 'kms-eu-west-1': 'kms-eu',
  'floor-a': 'sub(a)', 'floor-b': 'gw(b)', 'floor-c': 'gw(c)', redis: 'redis', load: 'load', other: 'other',
};
const short = (n: string) => SHORT[n] ?? n;

/** "gw 95% sec 40% …", biggest first, 1% and up. */
export function cpuSplit(cpu: Record<string, number>): string {
  return Object.entries(cpu).filter(([, v]) => v >= 1).sort((a, b) => b[1] - a[1]).map(([n, v]) => `${short(n)} ${fmt(v)}%`).join(' ');
}

function rateText(r: Row): string {
  if (r.error) return 'FAILED';
  const base = `${fmt(r.rate)} req/s`;
  if (r.items <= 1) return base;
  const items = r.rate * r.items;
  return `${base} = ${items >= 10_000 ? `${fmt(items / 1000, 1)}k` : fmt(items)} ${r.name === 'batchGetSecretValue' ? 'values' : 'items'}/s`;
}

function tableRows(rows: Row[]): string[][] {
  const head = ['scenario', 'rate', 'p50 ms', 'p99 ms', '×(b)', '×(c)', 'target', 'met?', 'CPU split (% of one core)'];
  const body = rows.map((r) => [
    r.label, rateText(r), fmt(r.p50Ms, 1), fmt(r.p99Ms, 1), r.xb === undefined ? '' : fmt(r.xb, 2), r.xc === undefined ? '' : fmt(r.xc, 2),
    r.target ?? '', r.met === undefined ? '' : r.met === null ? 'n/a' : r.met ? 'met' : `MISS${r.measured ? ` (${r.measured})` : ''}`,
    cpuSplit(r.cpu),
  ]);
  for (const [i, r] of rows.entries()) if (r.met && r.measured) body[i][7] = `met (${r.measured})`;
  return [head, ...body];
}

export function textTable(rows: Row[]): string {
  const t = tableRows(rows);
  const w = t[0].map((_, i) => Math.max(...t.map((row) => row[i].length)));
  const line = (row: string[]) => row.map((c, i) => (i >= 1 && i <= 5 ? c.padStart(w[i]) : c.padEnd(w[i]))).join('  ').trimEnd();
  return [line(t[0]), w.map((n) => '-'.repeat(n)).join('  '), ...t.slice(1).map(line)].join('\n');
}

function markdownTable(rows: Row[]): string {
  const t = tableRows(rows).map((row) => row.map((c) => c.replace(/\|/g, '\\|')));
  return [`| ${t[0].join(' | ')} |`, `|${t[0].map((_, i) => (i >= 1 && i <= 5 ? '---:' : '---')).join('|')}|`, ...t.slice(1).map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

export interface Machine {
  cpu: string;
  cores: number;
  ramGiB: number;
  node: string;
  redis: string;
  date: string;
  commit: string;
  command: string;
}

export function machine(redisVersion: string, argv: string[]): Machine {
  const root = path.join(__dirname, '..', '..');
  const git = (...a: string[]) => {
    try {
      return execFileSync('git', a, { cwd: root, encoding: 'utf8' }).trim();
    } catch {
      return '';
    }
  };
  const commit = git('rev-parse', 'HEAD') || 'unknown';
  // The results files themselves (written by the last run) do not make the code dirty.
  const dirty = git('status', '--porcelain', '--untracked-files=no', '--', '.', ':(exclude)bench/results') !== '';
  let ramGiB = os.totalmem() / 1024 ** 3;
  try {
    ramGiB = Number(/MemTotal:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1]) / 1024 ** 2 || ramGiB;
  } catch {
    /* not Linux */
  }
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, ramGiB, node: process.version, redis: redisVersion,
    date: new Date().toISOString(), commit: dirty ? `${commit} (dirty)` : commit, command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
  };
}

export function writeResults(dir: string, m: Machine, rows: Row[], settings: Record<string, unknown>): string {
  mkdirSync(dir, { recursive: true });
  const misses = rows.filter((r) => r.met === false || r.error);
  const causes = misses.map((r) =>
    `- **${r.label}**: ${r.error ? `failed: ${r.error}` : `${rateText(r)}, p99 ${fmt(r.p99Ms, 1)} ms; target ${r.target}${r.measured ? `; measured ${r.measured}` : ''}`}. ` +
      `CPU during the run (% of one core): ${Object.entries(r.cpu).sort((a, b) => b[1] - a[1]).map(([n, v]) => `${n} ${fmt(v, 1)}%`).join(', ') || 'not measured'}.`);
  const analysis = path.join(dir, 'analysis.md');
  const md = [
    '# Benchmark results',
    '',
    `- machine: ${m.cpu}, ${m.cores} cores, ${fmt(m.ramGiB, 1)} GiB RAM; Node ${m.node}; Redis ${m.redis}`,
    `- date: ${m.date}`,
    `- commit: ${m.commit}`,
    `- command: \`${m.command}\``,
    `- load: autocannon in its own process, ${settings.concurrency} connections (reveal rows ${settings.latencyConcurrency}), ` +
      `${settings.warmupSeconds} s warm-up then ${settings.seconds} s per scenario; every response body checked (GraphQL or item errors fail the run)`,
    '- layout: floor (a), (b), (c) each in its own process; our stack one process per service (gateway, platform, secrets, kms us-east-1, kms eu-west-1); every process NODE_ENV production; all on 127.0.0.1',
    '- ×(b), ×(c): this row\'s req/s over floor (b) / (c) of the same run. CPU split: each process\'s CPU time during the timed run as % of one core; `other` is the rest of the machine (work that is not this bench).',
    '',
    markdownTable(rows),
    '',
    ...rows.filter((r) => r.note).map((r) => `- ${r.label}: ${r.note}`),
    '',
    '## Causes',
    '',
    misses.length ? causes.join('\n') : 'Every target was met.',
    '',
    ...(existsSync(analysis) ? [readFileSync(analysis, 'utf8').trimEnd(), ''] : []),
  ].join('\n');
  const mdPath = path.join(dir, 'latest.md');
  writeFileSync(mdPath, md);
  writeFileSync(path.join(dir, 'latest.json'), `${JSON.stringify({ machine: m, settings, rows }, null, 2)}\n`);
  return mdPath;
}
