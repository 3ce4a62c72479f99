import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KMS_REGIONS, startStack, type Stack } from './support/stack';
import { createFixtures, expectedView, observe, runScript, type KeyFixture } from './support/keyFixtures';

/**
 * Backup → restore into an empty prefix (a second stack with the same KMS root keys): every
 * secret reveals, every ciphertext decrypts, signatures and MACs verify. A damaged or truncated
 * file restores nothing; a populated prefix is not overwritten without --force.
 */
let source: Stack;
let target: Stack;
let fixtures: KeyFixture[];
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'smk-backup-'));
  source = await startStack({ label: 'backup-src', kms: true, secrets: true });
  fixtures = await createFixtures(source);
  target = await startStack({
    label: 'backup-dst', kms: true, secrets: true,
    env: { INTERNAL_SECRET: source.baseEnv.INTERNAL_SECRET },
    kmsRootKeys: Object.fromEntries(KMS_REGIONS.map((r) => [r, source.kmsRootKeyOf(r)])),
  });
}, 60_000);
afterAll(async () => {
  await source?.stop();
  await target?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const keyCount = async (stack: Stack) => (await stack.ok('{ kmsKeys { nodes { identity } } }', {}, { region: 'us-east-1' })).kmsKeys.nodes.length;

it('backs up, refuses damaged files, restores into an empty prefix where everything reads back, and will not overwrite without --force', async () => {
  const file = join(dir, 'backup.jsonl');
  const b = runScript(source, 'backup', [file]);
  expect({ status: b.status, stderr: b.stderr }).toEqual({ status: 0, stderr: '' });
  expect(b.stdout).toContain('backup: 12 keys (16 versions) in 2 regions, 4 secrets (16 versions) in 2 projects');

  const text = readFileSync(file, 'utf8');
  const lines = text.trimEnd().split('\n');
  expect(JSON.parse(lines[0])).toMatchObject({ type: 'header', format: 'secrets-manager-backup', version: 1, counts: { kmsKeys: 12, secrets: 4 } });
  expect(JSON.parse(lines[lines.length - 1])).toEqual({ type: 'checksum', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  // Ciphertexts and wrapped material only: no value, no root key.
  for (const f of fixtures) for (const v of f.secret.versions) expect(text).not.toContain(v.value);
  for (const r of KMS_REGIONS) expect(text).not.toContain(source.kmsRootKeyOf(r));

  // One byte changed inside a record: the checksum catches it, and nothing is written.
  const at = lines[3].indexOf('"ring"') + 20;
  const damaged = [...lines];
  damaged[3] = damaged[3].slice(0, at) + (damaged[3][at] === 'A' ? 'B' : 'A') + damaged[3].slice(at + 1);
  writeFileSync(join(dir, 'damaged.jsonl'), damaged.join('\n') + '\n');
  const d = runScript(target, 'restore', [join(dir, 'damaged.jsonl')]);
  expect(d.status).toBe(65);
  expect(d.stderr).toContain('checksum does not match');
  writeFileSync(join(dir, 'truncated.jsonl'), lines.slice(0, -1).join('\n') + '\n');
  const t = runScript(target, 'restore', [join(dir, 'truncated.jsonl')]);
  expect(t.status).toBe(65);
  expect(t.stderr).toContain('no checksum line');
  // A record that would write outside its own keys, with a checksum that matches: refused by name.
  const forged = lines.slice(0, -1).map((l) => (l.includes('"type":"secret"') ? l.replace('"project":"other"', '"project":"x}:y"') : l));
  const body = forged.join('\n') + '\n';
  writeFileSync(join(dir, 'forged.jsonl'), body + JSON.stringify({ type: 'checksum', sha256: createHash('sha256').update(body).digest('hex') }) + '\n');
  const fo = runScript(target, 'restore', [join(dir, 'forged.jsonl')]);
  expect(fo.status).toBe(65);
  expect(fo.stderr).toContain('invalid name');
  expect(await keyCount(target)).toBe(0);

  const r = runScript(target, 'restore', [file]);
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
  expect(r.stdout).toContain('restore: 12 keys, 4 secrets restored');
  expect(await observe(target, fixtures)).toEqual(expectedView(fixtures));
  // Listings and bound-key counts are rebuilt, not just the records.
  expect((await target.ok('{ secrets(pathPrefix: "app/") { nodes { path } } }')).secrets.nodes).toHaveLength(2);
  expect((await target.ok('{ kmsKey(identity: "sym") { boundSecretCount latestVersion } }', {}, { region: 'eu-west-1' })).kmsKey).toEqual({ boundSecretCount: 1, latestVersion: 2 });

  const again = runScript(target, 'restore', [file]);
  expect(again.status).toBe(73);
  expect(again.stderr).toContain('16 keys or secrets of the backup already exist');
  const forced = runScript(target, 'restore', [file, '--force']);
  expect(forced.status).toBe(0);
  expect(await observe(target, fixtures)).toEqual(expectedView(fixtures));
}, 120_000);
