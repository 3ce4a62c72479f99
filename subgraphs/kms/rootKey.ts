import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import type { Config } from '../../shared/config';
import { decodeBase64Strict } from './domain/base64';

export class RootKeyError extends Error {}

export function readKeyFile(path: string): Buffer {
  const text = readFileSync(path, 'utf8').trim();
  const key = decodeBase64Strict(text);
  if (!key || key.length !== 32) throw new RootKeyError(`KMS root key file ${path} must hold 32 bytes, standard base64`);
  return key;
}

/**
 * The region's root key: KMS_ROOT_KEY, else KMS_ROOT_KEY_FILE. Production refuses to start
 * without one; in development a local key file is created on first run (mode 0600, git-ignored).
 */
export function resolveRootKey(config: Config, region: string, opts: { localDir?: string } = {}): Buffer {
  if (config.kmsRootKey) return config.kmsRootKey;
  if (config.kmsRootKeyFile) return readKeyFile(config.kmsRootKeyFile);
  if (config.production) {
    throw new RootKeyError('KMS_ROOT_KEY or KMS_ROOT_KEY_FILE is required in production');
  }
  const path = resolve(opts.localDir ?? '.local', `kms-root-${region}.key`);
  if (existsSync(path)) return readKeyFile(path);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  writeFileSync(path, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  return key;
}

/** The configured root key (KMS_ROOT_KEY, else KMS_ROOT_KEY_FILE), never a generated one; null if none is set. */
export function configuredRootKey(config: Config): Buffer | null {
  if (config.kmsRootKey) return config.kmsRootKey;
  if (config.kmsRootKeyFile) return readKeyFile(config.kmsRootKeyFile);
  return null;
}
