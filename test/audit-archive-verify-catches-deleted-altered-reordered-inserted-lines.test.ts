import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { archiveKey, verifyArchive } from '@secrets-kms/client/dist/node/auditVerify';
import { createAuditArchiver, type RunningPlatform } from '../subgraphs/platform/server';
import { startStack, type Stack } from './support/stack';

const root = resolve(__dirname, '..');
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * A real archive, written by the platform's archiver from real events, is checked by the verifier
 * (in process, `npm run audit:verify`'s script and `smk audit verify`): clean passes; each kind of
 * tampering is reported at its line.
 */
describe('audit archive verification', () => {
  let stack: Stack;
  let dir: string;
  let file: string;
  let lines: string[];
  let env: Record<string, string>;
  const copies: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'audit-archive-'));
    stack = await startStack({ label: 'archverify', env: { AUDIT_ARCHIVE_DIR: dir } });
    for (let i = 0; i < 6; i++) {
      const r = await stack.gql(`mutation { createApiToken(input: { name: "t${i}", scopes: ["audit:read"] }) { token } }`);
      expect(r.status).toBe(200);
    }
    const platform = stack.services.get('platform')!;
    // The archiver as the platform configures it, one day and a bit later: today's file is complete.
    const archiver = createAuditArchiver(platform, { now: () => new Date(Date.now() + 26 * 3600_000) })!;
    const run = await archiver.runOnce();
    expect(run.ran).toBe(true);
    expect(run.archived).toBeGreaterThanOrEqual(6);
    const files = readdirSync(join(dir, 'default')).map((f) => join(dir, 'default', f));
    // Around midnight UTC the events may span two days: tamper with the fuller file.
    file = files.sort((a, b) => readFileSync(b, 'utf8').length - readFileSync(a, 'utf8').length)[0];
    lines = readFileSync(file, 'utf8').split('\n').slice(0, -1);
    env = { PATH: process.env.PATH ?? '', INTERNAL_SECRET: platform.config.internalSecret };
  });
  afterAll(async () => {
    await stack.stop();
    for (const d of [dir, ...copies]) rmSync(d, { recursive: true, force: true });
  });

  const key = () => archiveKey(null, env.INTERNAL_SECRET);

  /** A copy of the archive with the chosen file's lines replaced. */
  function tampered(edit: (ls: string[]) => string[]): string {
    const copy = mkdtempSync(join(tmpdir(), 'audit-tampered-'));
    copies.push(copy);
    cpSync(dir, copy, { recursive: true });
    writeFileSync(join(copy, 'default', file.split('/').pop()!), edit([...lines]).map((l) => `${l}\n`).join(''));
    return copy;
  }

  const verifyScript = (d: string) => spawnSync(process.execPath, [join(root, 'dist/scripts/auditVerify.js'), d], { env, encoding: 'utf8' });
  const smk = (d: string) => spawnSync(process.execPath, [join(root, 'client/bin/smk.js'), 'audit', 'verify', d], { env, encoding: 'utf8' });

  it('each line chains to the previous one and the file ends with its MAC’d digest; a clean archive passes', () => {
    expect(lines.length).toBeGreaterThanOrEqual(6);
    const first = JSON.parse(lines[0]);
    expect(first).toMatchObject({ seq: 1, project: 'default', action: expect.any(String) });
    expect(JSON.parse(lines[1]).prev).toBe(sha(lines[0]));
    expect(JSON.parse(lines[lines.length - 1]).digest).toMatchObject({ lines: lines.length - 1, last: sha(lines[lines.length - 2]) });
    expect(readFileSync(file, 'utf8')).not.toMatch(/smk_/);
    expect(verifyArchive(dir, key()).problems).toEqual([]);
    const s = verifyScript(dir);
    expect(s.stdout).toMatch(/ok/);
    expect(s.status).toBe(0);
    const c = smk(dir);
    expect(c.stdout).toMatch(/ok/);
    expect(c.status).toBe(0);
  });

  it('the platform runs the archiver, and only one archiver acts at a time (Redis lock)', async () => {
    const own = (stack.running.get('platform') as RunningPlatform).archiver;
    expect(own).not.toBeNull();
    const other = createAuditArchiver(stack.services.get('platform')!)!;
    const runs = await Promise.all([own!.runOnce(), other.runOnce()]);
    expect(runs.map((r) => r.ran).sort()).toEqual([false, true]);
  });

  it('a deleted line is reported at its position', () => {
    const d = tampered((ls) => [...ls.slice(0, 2), ...ls.slice(3)]);
    expect(verifyArchive(d, key()).problems).toEqual([expect.objectContaining({ line: 3, kind: 'deleted' })]);
    const s = verifyScript(d);
    expect(s.status).toBe(1);
    expect(s.stdout).toMatch(/default\/\d{4}-\d{2}-\d{2}\.jsonl:3: deleted/);
  });

  it('an altered line is reported at its position', () => {
    const d = tampered((ls) => {
      const ev = JSON.parse(ls[2]);
      ls[2] = JSON.stringify({ ...ev, actor: 'someone-else' });
      return ls;
    });
    expect(verifyArchive(d, key()).problems).toEqual([expect.objectContaining({ line: 3, kind: 'altered' })]);
    const c = smk(d);
    expect(c.status).toBe(1);
    expect(c.stdout).toMatch(/:3: altered/);
  });

  it('reordered lines are reported at their position', () => {
    const d = tampered((ls) => [...ls.slice(0, 2), ls[3], ls[2], ...ls.slice(4)]);
    expect(verifyArchive(d, key()).problems).toEqual([expect.objectContaining({ line: 3, kind: 'reordered' })]);
    expect(verifyScript(d).status).toBe(1);
  });

  it('an inserted line is reported at its position, even one that chains to its predecessor', () => {
    const d = tampered((ls) => {
      const forged = JSON.stringify({ ...JSON.parse(ls[1]), seq: 3, prev: sha(ls[1]), actor: 'forged' });
      return [...ls.slice(0, 2), forged, ...ls.slice(2)];
    });
    expect(verifyArchive(d, key()).problems).toEqual([expect.objectContaining({ line: 3, kind: 'inserted' })]);
    expect(verifyScript(d).status).toBe(1);
  });

  it('a digest re-computed without the key, or a dropped last line, is caught', () => {
    const forged = tampered((ls) => {
      const n = ls.length - 1;
      ls[n - 1] = JSON.stringify({ ...JSON.parse(ls[n - 1]), outcome: 'DENIED' });
      ls[n] = JSON.stringify({ digest: { lines: n, last: sha(ls[n - 1]), mac: '0'.repeat(64) } });
      return ls;
    });
    expect(verifyArchive(forged, key()).problems).toEqual([expect.objectContaining({ line: lines.length, kind: 'digest' })]);
    const dropped = tampered((ls) => [...ls.slice(0, -2), ls[ls.length - 1]]);
    expect(verifyArchive(dropped, key()).problems).toEqual([expect.objectContaining({ line: lines.length - 1, kind: 'deleted' })]);
    // The wrong key fails every digest.
    expect(verifyArchive(dir, archiveKey('x'.repeat(32), null)).problems[0]).toMatchObject({ kind: 'digest' });
    expect(execFileSync(process.execPath, [join(root, 'dist/scripts/auditVerify.js'), dir], { env, encoding: 'utf8' })).toMatch(/ok/);
  });
});
