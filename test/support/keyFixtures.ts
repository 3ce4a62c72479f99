import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { KMS_REGIONS, type Stack } from './stack';
import { b64 } from './gql';
import { Q } from './kmsQueries';

/**
 * Keys of every kind in both regions and two projects, secrets with ENABLED, DELETED and
 * DESTROYED versions, and what the KMS answered (ciphertexts, signatures, MACs): what a backup or
 * a root-key rotation must keep usable. Not a test itself.
 */
export interface KeyFixture {
  project: string;
  region: string;
  ciphertexts: { keyVersion: number; ciphertext: string; plaintext: string }[];
  signature: { message: string; signature: string };
  mac: { message: string; mac: string };
  secret: { path: string; versions: { version: number; value: string; state: 'ENABLED' | 'DELETED' | 'DESTROYED' }[] };
}

export const FIXTURE_SCOPES = ['kms:read', 'kms:encrypt', 'kms:decrypt', 'kms:sign', 'kms:admin', 'secrets:read', 'secrets:read_value', 'secrets:write'];

/** A token per project ('default' uses the root token). Tokens are not restored, so each stack gets its own. */
export async function projectTokens(stack: Stack): Promise<Record<string, string | undefined>> {
  return { default: undefined, other: (await stack.token(FIXTURE_SCOPES, { project: 'other' })).token };
}

export async function createFixtures(stack: Stack): Promise<KeyFixture[]> {
  const tokens = await projectTokens(stack);
  const out: KeyFixture[] = [];
  for (const project of ['default', 'other']) {
    for (const region of KMS_REGIONS) {
      const o = { token: tokens[project], region };
      for (const [identity, type] of [['sym', 'AES256_GCM96'], ['sig', 'ECDSA_P256'], ['hm', 'HMAC_SHA256']]) {
        await stack.ok(Q.create, { input: { identity, type } }, o);
      }
      const ciphertexts: KeyFixture['ciphertexts'] = [];
      const encrypt = async (plaintext: string) => {
        const e = (await stack.ok(Q.encrypt, { input: { keyIdentity: 'sym', plaintext: b64(plaintext) } }, o)).encrypt;
        ciphertexts.push({ keyVersion: e.keyVersion, ciphertext: e.ciphertext, plaintext });
      };
      await encrypt(`v1 data ${project} ${region}`);
      await stack.ok(Q.rotate, { id: 'sym' }, o);
      await encrypt(`v2 data ${project} ${region}`);
      const message = b64(`signed in ${region}`);
      const signature = (await stack.ok(Q.sign, { input: { keyIdentity: 'sig', message } }, o)).sign.signature;
      const mac = (await stack.ok(Q.mac, { input: { keyIdentity: 'hm', message } }, o)).generateMac.mac;

      const path = `app/${region}/db`;
      await stack.ok('mutation($input: CreateSecretInput!) { createSecret(input: $input) { path } }', { input: { path, region, kmsKeyIdentity: 'sym', value: `${path} one` } }, o);
      for (const n of ['two', 'three', 'four']) {
        await stack.ok('mutation($input: PutSecretValueInput!) { putSecretValue(input: $input) { version } }', { input: { path, value: `${path} ${n}` } }, o);
      }
      await stack.ok('mutation($p: String!) { deleteSecretVersions(path: $p, versions: [1]) { path } }', { p: path }, o);
      await stack.ok('mutation($p: String!) { destroySecretVersions(path: $p, versions: [2]) { path } }', { p: path }, o);
      out.push({
        project, region, ciphertexts,
        signature: { message, signature },
        mac: { message, mac },
        secret: {
          path,
          versions: [
            { version: 1, value: `${path} one`, state: 'DELETED' },
            { version: 2, value: `${path} two`, state: 'DESTROYED' },
            { version: 3, value: `${path} three`, state: 'ENABLED' },
            { version: 4, value: `${path} four`, state: 'ENABLED' },
          ],
        },
      });
    }
  }
  return out;
}

/**
 * What a user sees of the fixtures now: each ENABLED version's value (DELETED / DESTROYED ones read
 * NOT_FOUND), each ciphertext's plaintext, whether the signature and MAC verify, and whether the
 * keys still sign and encrypt. `expectedView` is what it must be.
 */
export async function observe(stack: Stack, fixtures: KeyFixture[]): Promise<unknown[]> {
  const tokens = await projectTokens(stack);
  const seen: unknown[] = [];
  for (const f of fixtures) {
    const o = { token: tokens[f.project], region: f.region };
    const values: Record<number, string> = {};
    for (const v of f.secret.versions) {
      const r = await stack.gql('query($p: String!, $v: Int) { getSecretValue(path: $p, version: $v) { value } }', { p: f.secret.path, v: v.version }, o);
      values[v.version] = r.body.data?.getSecretValue?.value ?? r.body.errors?.[0]?.extensions?.code;
    }
    const plaintexts: string[] = [];
    for (const c of f.ciphertexts) {
      const d = await stack.gql(Q.decrypt, { input: { keyIdentity: 'sym', ciphertext: c.ciphertext } }, o);
      plaintexts.push(d.body.data ? Buffer.from(d.body.data.decrypt.plaintext, 'base64').toString() : String(d.body.errors?.[0]?.extensions?.code));
    }
    const verified = (await stack.gql(Q.verify, { input: { keyIdentity: 'sig', message: f.signature.message, signature: f.signature.signature } }, o)).body.data?.verify?.valid ?? null;
    const macValid = (await stack.gql(Q.verifyMac, { input: { keyIdentity: 'hm', message: f.mac.message, mac: f.mac.mac } }, o)).body.data?.verifyMac?.valid ?? null;
    const signs = (await stack.gql(Q.sign, { input: { keyIdentity: 'sig', message: b64('new message') } }, o)).body.data?.sign?.keyVersion ?? null;
    const fresh = await stack.gql(Q.encrypt, { input: { keyIdentity: 'sym', plaintext: b64('fresh') } }, o);
    const roundTrip = fresh.body.data
      ? Buffer.from((await stack.ok(Q.decrypt, { input: { keyIdentity: 'sym', ciphertext: fresh.body.data.encrypt.ciphertext } }, o)).decrypt.plaintext, 'base64').toString()
      : null;
    seen.push({ project: f.project, region: f.region, values, plaintexts, verified, macValid, signs, roundTrip });
  }
  return seen;
}

export function expectedView(fixtures: KeyFixture[]): unknown[] {
  return fixtures.map((f) => ({
    project: f.project,
    region: f.region,
    values: Object.fromEntries(f.secret.versions.map((v) => [v.version, v.state === 'ENABLED' ? v.value : 'NOT_FOUND'])),
    plaintexts: f.ciphertexts.map((c) => c.plaintext),
    verified: true,
    macValid: true,
    signs: 1,
    roundTrip: 'fresh',
  }));
}

/** Runs one of the operator commands (dist/scripts/<name>.js) with the stack's environment. */
export function runScript(stack: Stack, name: string, args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(__dirname, '..', '..', 'dist', 'scripts', `${name}.js`), ...args], {
    env: { ...process.env, ...stack.baseEnv, LOG_LEVEL: 'silent', ...env },
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
