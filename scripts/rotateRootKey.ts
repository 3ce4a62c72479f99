import { createHash } from 'node:crypto';
import { loadConfig } from '../shared/config';
import { createRedis } from '../shared/redis';
import { KeyWrapper } from '../subgraphs/kms/domain/keyWrapper';
import { rewrapKmsKey, scanKmsKeys } from '../subgraphs/kms/store/keyBackup';
import { keyMetadataMac, kmsRotationKeyNames } from '../subgraphs/kms/store/keyStore';
import { configuredRootKey, readKeyFile, RootKeyError } from '../subgraphs/kms/rootKey';
import { runCommand } from './runCommand';

/**
 * `npm run rotate-root-key -- --region R [--new-key-file F] [--limit N]`: rewraps every key
 * version of region R under a new root key and re-signs every key's metadata MAC, without
 * changing any ciphertext (the material is the same, only its wrapping changes).
 *
 * Keys: old = KMS_ROOT_KEY / KMS_ROOT_KEY_FILE and new = --new-key-file or KMS_NEW_ROOT_KEY; or,
 * with the KMS's own rotation-window environment, old = KMS_PREVIOUS_ROOT_KEY and new = KMS_ROOT_KEY.
 * The region's KMS must already run with KMS_ROOT_KEY=new and KMS_PREVIOUS_ROOT_KEY=old.
 *
 * Resumable: progress is kept in Redis (the new key's id and the set of keys done); a run that
 * stops (crash, kill, --limit) is continued by running it again with the same new key. Each key is
 * rewrapped idempotently (what already opens under the new key is left alone), and a final pass
 * over every key of the region makes sure none was missed (e.g. created meanwhile).
 */
function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

const keyId = (key: Buffer) => createHash('sha256').update('secrets-manager root-key-id').update(key).digest('hex').slice(0, 16);

async function main(args: string[]): Promise<number> {
  const region = argValue(args, '--region');
  const newKeyFile = argValue(args, '--new-key-file');
  const limitRaw = argValue(args, '--limit');
  const limit = limitRaw === undefined ? Infinity : Number(limitRaw);
  if (!region || (limitRaw !== undefined && !(Number.isInteger(limit) && limit > 0))) {
    process.stderr.write('usage: npm run rotate-root-key -- --region <region> [--new-key-file <file>] [--limit <keys>]\n');
    return 64; // EX_USAGE
  }
  const config = loadConfig();
  if (!config.regions.has(region)) throw new RootKeyError(`region ${region} is not in the region registry`);
  let oldKey: Buffer | null;
  let newKey: Buffer | null;
  if (newKeyFile || config.kmsNewRootKey) {
    newKey = newKeyFile ? readKeyFile(newKeyFile) : config.kmsNewRootKey;
    oldKey = configuredRootKey(config);
  } else {
    newKey = configuredRootKey(config);
    oldKey = config.kmsPreviousRootKey;
  }
  if (!oldKey || !newKey) {
    throw new RootKeyError('needs the old and the new root key: KMS_ROOT_KEY (or KMS_ROOT_KEY_FILE) with --new-key-file or KMS_NEW_ROOT_KEY, or KMS_PREVIOUS_ROOT_KEY with KMS_ROOT_KEY');
  }
  if (oldKey.equals(newKey)) throw new RootKeyError('the new root key is the old one');
  const keys = { oldWrapper: new KeyWrapper(oldKey), newWrapper: new KeyWrapper(newKey), oldMac: keyMetadataMac(oldKey), newMac: keyMetadataMac(newKey) };

  const redis = createRedis(config.redis);
  try {
    const names = kmsRotationKeyNames(region);
    const id = keyId(newKey);
    // Another new key than the one in progress starts over (its "done" means nothing for this key).
    if ((await redis.hget(names.state, 'newKeyId')) !== id) {
      await redis.del(names.done);
      await redis.hset(names.state, 'newKeyId', id, 'startedAt', new Date().toISOString());
      await redis.hdel(names.state, 'completedAt');
    }
    let processed = 0;
    let versions = 0;
    let resealed = 0;
    const refs = await scanKmsKeys(redis, region);
    for (const ref of refs) {
      const member = `${ref.project}:${ref.identity}`;
      if ((await redis.sismember(names.done, member)) === 1) continue;
      if (processed >= limit) {
        process.stdout.write(`rotate-root-key: ${region}: stopped after ${processed} keys (--limit); run again to resume\n`);
        return 75; // EX_TEMPFAIL
      }
      const r = await rewrapKmsKey(redis, ref, keys);
      versions += r.rewrapped;
      if (r.resealed) resealed++;
      await redis.sadd(names.done, member);
      processed++;
    }
    // Final pass over every key (a key created meanwhile by a replica still on the old key, say).
    let missed = 0;
    for (const ref of await scanKmsKeys(redis, region)) {
      const r = await rewrapKmsKey(redis, ref, keys);
      if (r.rewrapped > 0 || r.resealed) missed++;
      versions += r.rewrapped;
      if (r.resealed) resealed++;
    }
    await redis.hset(names.state, 'completedAt', new Date().toISOString(), 'keys', String(refs.length));
    await redis.del(names.done);
    process.stdout.write(
      `rotate-root-key: ${region}: complete: ${refs.length} keys under the new root key ` +
      `(${versions} versions rewrapped and ${resealed} records re-signed in this run${missed ? `, ${missed} caught by the final pass` : ''}); ` +
      'remove KMS_PREVIOUS_ROOT_KEY from the KMS now\n',
    );
    return 0;
  } finally {
    redis.disconnect();
  }
}

runCommand('rotate-root-key', main);
