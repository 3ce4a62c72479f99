/*
 * `npm run bench` end to end at tiny durations: the compiled harness starts the federation floor
 * ((a) bare subgraph, (b) stock gateway, (c) keep-alive gateway, each its own process), drives
 * them from its separate autocannon process, prints one table and writes latest.md / latest.json
 * into a temporary results dir (never the committed bench/results/latest.md). A floor whose
 * answers are GraphQL errors must make the run exit non-zero.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isListening } from './support/ports';

const root = path.join(__dirname, '..');
const runJs = path.join(root, 'dist', 'bench', 'run.js');
let dir = '';

function bench(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [runJs, '--seconds', '0.5', '--warmup', '0.3', '--concurrency', '4', '--results', dir, ...args], {
    cwd: root, encoding: 'utf8', timeout: 60_000, env: { ...process.env, APOLLO_TELEMETRY_DISABLED: '1' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  // The bench is a dev-only build (bench/tsconfig.json), not part of `tsc -b`; incremental, so cheap when up to date.
  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-b', 'bench'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  if (tsc.status !== 0) throw new Error(`tsc -b bench failed:\n${tsc.stdout}${tsc.stderr}`);
  dir = mkdtempSync(path.join(os.tmpdir(), 'bench-results-'));
}, 130_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the floor rows (a), (b), (c) come from one run with positive rates, and latest.md names the commit', async () => {
  const r = bench(['--only', 'a,b,c']);
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
  const row = (label: string) => {
    const line = r.stdout.split('\n').find((l) => l.startsWith(label));
    const rate = Number(/\s(\d+) req\/s/.exec(line ?? '')?.[1]);
    return { found: !!line, positive: rate > 0 };
  };
  expect(row('(a) bare @apollo/server subgraph')).toEqual({ found: true, positive: true });
  expect(row('(b) stock @apollo/gateway')).toEqual({ found: true, positive: true });
  expect(row('(c) @apollo/gateway + keep-alive agent')).toEqual({ found: true, positive: true });
  // (a) shows its ratio to (b) and (c) from the same run.
  expect(r.stdout).toMatch(/\(a\) bare[^\n]+req\/s\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+/);

  const commit = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout.trim();
  const md = readFileSync(path.join(dir, 'latest.md'), 'utf8');
  expect(md).toContain(`- commit: ${commit}`);
  expect(md).toMatch(/\| \(a\) bare @apollo\/server subgraph[^|]*\| \d+ req\/s \|/);
  expect(md).toMatch(/- machine: .+ cores, .+ GiB RAM; Node v\d+.+; Redis \d/);
  const json = JSON.parse(readFileSync(path.join(dir, 'latest.json'), 'utf8'));
  expect(json.rows.map((x: { name: string }) => x.name)).toEqual(['a', 'b', 'c']);
  // It measured on its own redis-server, and that server is gone once the run is over.
  expect(md).toMatch(/Redis \d[\d.]* \(its own redis-server, no persistence\)/);
  const port = Number(/own redis-server on 127\.0\.0\.1:(\d+)/.exec(r.stdout)?.[1]);
  expect(port).toBeGreaterThan(0);
  expect(await isListening(port)).toBe(false);
}, 60_000);

test('a floor that answers GraphQL errors fails the run (exit code 1) and names the scenario', () => {
  const r = bench(['--only', 'a', '--break-floor']);
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/scenarios with errors: a \(sample request failed: HTTP 200, errors \[FLOOR_BROKEN\]\)/);
  expect(r.stdout).toMatch(/\(a\) bare[^\n]+FAILED/);
}, 60_000);
