import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditArchiver } from '../shared/auditArchive';
import { Logger } from '../shared/log';
import { startStack, type Stack } from './support/stack';

const DAY = 86_400_000;

/**
 * Retention is by time and only of archived events; a backlog the archive cannot take makes the
 * project's audited operations fail closed, with a log line that says why.
 */
describe('audit retention and backlog', () => {
  let stack: Stack;
  let dir: string;
  let stderr: string[];
  let spy: jest.SpyInstance;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'audit-retention-'));
    stack = await startStack({ label: 'auditret', serviceEnv: { platform: { LOG_LEVEL: 'warn' } } });
  });
  beforeEach(() => {
    stderr = [];
    const write = process.stderr.write.bind(process.stderr);
    spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
      stderr.push(String(chunk));
      // The services' JSON log lines are what the test reads; anything else still reaches the terminal.
      if (String(chunk).startsWith('{"t":')) return true;
      return (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
    });
  });
  afterEach(() => spy.mockRestore());
  afterAll(async () => {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function projectWithEvents(project: string, n: number): Promise<string> {
    const platform = stack.services.get('platform')!;
    const admin = await platform.tokens.create({ name: 'a', project, scopes: ['*'], pathPrefixes: null, expiresAt: null });
    for (let i = 0; i < n; i++) {
      const r = await stack.gql(`mutation { createApiToken(input: { name: "t${i}", scopes: ["audit:read"] }) { token } }`, {}, { token: admin.token });
      expect(r.status).toBe(200);
    }
    return admin.token;
  }

  function archiver(opts: { dir: string; now: number; maxUnarchived?: number }): AuditArchiver {
    const platform = stack.services.get('platform')!;
    return new AuditArchiver(platform.redis, platform.audit, new Logger('platform', 'warn'), {
      dir: opts.dir, key: platform.config.auditArchive.key, retentionDays: 90, maxUnarchived: opts.maxUnarchived ?? 1_000_000, now: () => new Date(opts.now),
    });
  }

  const streamLength = (project: string) => stack.services.get('platform')!.redis.xlen(`audit:{${project}}`);

  it('events past retention stay while unarchived, stay while within retention, and leave once both', async () => {
    await projectWithEvents('ret-a', 4);
    const before = await streamLength('ret-a');
    expect(before).toBeGreaterThanOrEqual(4);
    // The archive cannot be written (its directory is a file): 91 days later nothing leaves Redis.
    const notADir = join(dir, 'not-a-dir');
    writeFileSync(notADir, 'x');
    const failing = await archiver({ dir: notADir, now: Date.now() + 91 * DAY }).runOnce();
    expect(failing.failed).toContain('ret-a');
    expect(await streamLength('ret-a')).toBe(before);
    // Archived, but within retention: still in Redis (and findable).
    const archive = join(dir, 'archive');
    const within = await archiver({ dir: archive, now: Date.now() + 2 * DAY }).runOnce();
    expect(within.archived).toBeGreaterThanOrEqual(before);
    expect(await streamLength('ret-a')).toBe(before);
    // Archived and past retention: gone from Redis, every one of them in the archive.
    const after = await archiver({ dir: archive, now: Date.now() + 91 * DAY }).runOnce();
    expect(after.archived).toBe(0);
    expect(await streamLength('ret-a')).toBe(0);
    const archivedLines = readdirSync(join(archive, 'ret-a'))
      .flatMap((f) => readFileSync(join(archive, 'ret-a', f), 'utf8').split('\n').filter((l) => l && !l.startsWith('{"digest"')));
    expect(archivedLines).toHaveLength(before);
  });

  it('a backlog of unarchived events over the bound: audited operations answer 503 STORE_UNAVAILABLE and the log says why', async () => {
    const token = await projectWithEvents('ret-full', 3);
    const notADir = join(dir, 'also-not-a-dir');
    writeFileSync(notADir, 'x');
    const run = await archiver({ dir: notADir, now: Date.now(), maxUnarchived: 2 }).runOnce();
    expect(run.full).toContain('ret-full');
    const archiverLine = stderr.find((l) => /"level":"warn"/.test(l) && /AUDIT_MAX_UNARCHIVED/.test(l) && /ret-full/.test(l));
    expect(archiverLine).toBeDefined();

    const refused = await stack.gql('mutation { createApiToken(input: { name: "more", scopes: ["audit:read"] }) { token } }', {}, { token });
    expect(refused.status).toBe(503);
    expect(refused.body.errors?.[0].extensions?.code).toBe('STORE_UNAVAILABLE');
    expect(refused.body.data?.createApiToken ?? null).toBeNull();
    expect(stderr.some((l) => /"service":"platform"/.test(l) && /audited operation refused/.test(l) && /AUDIT_MAX_UNARCHIVED/.test(l))).toBe(true);
    const length = await streamLength('ret-full');
    // Other projects are not affected.
    expect((await stack.gql('mutation { createApiToken(input: { name: "elsewhere", scopes: ["audit:read"] }) { token } }')).status).toBe(200);

    // Once the archive catches up, the project writes again.
    const caughtUp = await archiver({ dir: join(dir, 'archive'), now: Date.now(), maxUnarchived: 2 }).runOnce();
    expect(caughtUp.full).not.toContain('ret-full');
    expect(caughtUp.archived).toBeGreaterThanOrEqual(length);
    const ok = await stack.gql('mutation { createApiToken(input: { name: "again", scopes: ["audit:read"] }) { token } }', {}, { token });
    expect(ok.status).toBe(200);
  });
});
