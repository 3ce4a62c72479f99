import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../shared/config';
import { resolveRootKey, RootKeyError } from './rootKey';

const base = { INTERNAL_SECRET: 'i'.repeat(32), REGION: 'us-east-1' };

describe('resolveRootKey', () => {
  it('uses KMS_ROOT_KEY first', () => {
    const key = randomBytes(32);
    expect(resolveRootKey(loadConfig({ ...base, KMS_ROOT_KEY: key.toString('base64') }), 'us-east-1').equals(key)).toBe(true);
  });

  it('reads KMS_ROOT_KEY_FILE (base64 of 32 bytes) and refuses a bad file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kmsroot-'));
    const key = randomBytes(32);
    writeFileSync(join(dir, 'k'), key.toString('base64') + '\n');
    expect(resolveRootKey(loadConfig({ ...base, KMS_ROOT_KEY_FILE: join(dir, 'k') }), 'us-east-1').equals(key)).toBe(true);
    writeFileSync(join(dir, 'bad'), randomBytes(16).toString('base64'));
    expect(() => resolveRootKey(loadConfig({ ...base, KMS_ROOT_KEY_FILE: join(dir, 'bad') }), 'us-east-1')).toThrow(RootKeyError);
  });

  it('refuses to start in production without a root key', () => {
    expect(() => resolveRootKey(loadConfig({ ...base, NODE_ENV: 'production' }), 'us-east-1', { localDir: mkdtempSync(join(tmpdir(), 'kmsroot-')) })).toThrow(/required in production/);
  });

  it('in development creates .local/kms-root-<region>.key with mode 0600 once, then reuses it', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'kmsroot-')), '.local');
    const cfg = loadConfig(base);
    const first = resolveRootKey(cfg, 'us-east-1', { localDir: dir });
    const path = join(dir, 'kms-root-us-east-1.key');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(path, 'utf8').trim(), 'base64').equals(first)).toBe(true);
    expect(resolveRootKey(cfg, 'us-east-1', { localDir: dir }).equals(first)).toBe(true);
  });
});
