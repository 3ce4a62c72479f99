import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditArchiver } from '../shared/auditArchive';
import { Logger } from '../shared/log';
import { startStack, type Stack } from './support/stack';

interface Received {
  project: string;
  day: string;
  firstLine: number;
  lines: string[];
}

/**
 * The webhook export: a real HTTP server that refuses the first attempts still receives every
 * archived line, in order, once, each body signed; after a run whose retries all fail, the next
 * run resumes where delivery stopped.
 */
describe('audit webhook export', () => {
  const secret = Buffer.from('w'.repeat(40));
  let stack: Stack;
  let dir: string;
  let server: Server;
  let url: string;
  let failNext = 0;
  let attempts = 0;
  const received: Received[] = [];
  const badSignatures: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'audit-webhook-'));
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        attempts++;
        if (failNext > 0) {
          failNext--;
          res.writeHead(503).end();
          return;
        }
        const body = Buffer.concat(chunks);
        const want = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
        const got = Buffer.from(String(req.headers['x-audit-signature'] ?? ''));
        if (got.length !== want.length || !timingSafeEqual(got, want)) badSignatures.push(String(req.headers['x-audit-signature']));
        received.push(JSON.parse(body.toString('utf8')) as Received);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/siem`;
    stack = await startStack({ label: 'auditwebhook' });
  });
  afterAll(async () => {
    await stack.stop();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  function archiver(): AuditArchiver {
    const platform = stack.services.get('platform')!;
    return new AuditArchiver(platform.redis, platform.audit, new Logger('platform', 'silent'), {
      dir, key: platform.config.auditArchive.key, retentionDays: 90, maxUnarchived: 1_000_000,
      webhook: { url, secret, maxAttempts: 4, baseDelayMs: 5, batchLines: 2 },
    });
  }

  async function events(n: number, from: number) {
    for (let i = 0; i < n; i++) {
      expect((await stack.gql(`mutation { createApiToken(input: { name: "w${from + i}", scopes: ["audit:read"] }) { token } }`)).status).toBe(200);
    }
  }

  const fileLines = () => readdirSync(join(dir, 'default')).sort().flatMap((f) => readFileSync(join(dir, 'default', f), 'utf8').split('\n').slice(0, -1));
  const receivedLines = () => received.filter((b) => b.project === 'default').flatMap((b) => b.lines);

  it('retries refused deliveries, then receives every archived line in order with a valid signature', async () => {
    await events(5, 0);
    failNext = 2;
    const run = await archiver().runOnce();
    expect(run.exported).toBe(fileLines().length);
    expect(attempts).toBe(received.length + 2);
    expect(receivedLines()).toEqual(fileLines());
    expect(badSignatures).toEqual([]);
    // Batches carry their position in the file.
    let next = 1;
    for (const b of received) {
      expect(b.firstLine).toBe(next);
      next += b.lines.length;
    }
  });

  it('after a run whose retries all fail, the next run resumes from the first undelivered line', async () => {
    const before = receivedLines().length;
    await events(3, 5);
    failNext = 1000;
    const failed = await archiver().runOnce();
    expect(failed.archived).toBeGreaterThanOrEqual(3);
    expect(failed.exported).toBe(0);
    expect(receivedLines()).toHaveLength(before);
    failNext = 0;
    const resumed = await archiver().runOnce();
    expect(resumed.exported).toBe(fileLines().length - before);
    // Every line exactly once, in file order.
    expect(receivedLines()).toEqual(fileLines());
    expect(badSignatures).toEqual([]);
  });
});
