import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyArchive } from '@secrets-kms/client/dist/node/auditVerify';
import { AuditArchiver } from '../shared/auditArchive';
import { Logger } from '../shared/log';
import { startStack, type Stack } from './support/stack';

/**
 * The archiver's position in Redis may lag the file (a crash after the fsync, before the position
 * moved) and the file may end in a torn line (a crash mid-write): the next run neither repeats nor
 * skips an event, and the archive still verifies.
 */
describe('audit archiver resumes exactly', () => {
  let stack: Stack;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'audit-resume-'));
    stack = await startStack({ label: 'auditresume' });
  });
  afterAll(async () => {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const archiver = () => {
    const p = stack.services.get('platform')!;
    return new AuditArchiver(p.redis, p.audit, new Logger('platform', 'silent'), { dir, key: p.config.auditArchive.key, retentionDays: 90, maxUnarchived: 1_000_000, batch: 2 });
  };
  const events = async (n: number, tag: string) => {
    for (let i = 0; i < n; i++) expect((await stack.gql(`mutation { createApiToken(input: { name: "${tag}${i}", scopes: ["audit:read"] }) { token } }`)).status).toBe(200);
  };
  const ids = () => readdirSync(join(dir, 'default')).sort()
    .flatMap((f) => readFileSync(join(dir, 'default', f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id?: string }))
    .filter((l) => l.id).map((l) => l.id!);

  it('a position behind the file, and a torn last line, cost neither a duplicate nor a gap', async () => {
    const redis = stack.services.get('platform')!.redis;
    await events(3, 'a');
    await archiver().runOnce();
    const saved = await redis.hgetall('audit:{default}:archive');
    await events(3, 'b');
    await archiver().runOnce();
    // As if the process died after the last batches' fsync and before their position was recorded…
    await redis.hset('audit:{default}:archive', saved);
    // …and in the middle of writing one more line.
    const day = saved.day;
    appendFileSync(join(dir, 'default', `${day}.jsonl`), '{"seq":99,"prev":"torn');
    await events(2, 'c');
    const run = await archiver().runOnce();
    expect(run.failed).toEqual([]);
    const stream = (await redis.xrange('audit:{default}', '-', '+')).map(([id]) => id);
    expect(ids()).toEqual(stream);
    expect(verifyArchive(dir, stack.services.get('platform')!.config.auditArchive.key).problems).toEqual([]);
  });
});
