/*
 * The data the scenarios use, created through the gateway like a user would (the 1M stored
 * secrets of reveal-1m are seeded straight into the store instead: seedSecrets.ts).
 */
import { randomBytes } from 'node:crypto';
import { postGql } from '../test/support/gql';
import { REGIONS } from './stack';

export const PAGE_SIZE = 200;
export const BATCH_PATHS = 100;
export const PUT_SECRETS = 8;
export const ENCRYPT_BATCH_ITEMS = 1000;

export interface Fixture {
  project: string;
  encKey: string;
  /** 256 random bytes, standard base64 (encrypt, encryptBatch, the floor). */
  plaintext256: string;
  /** A secret with a 1 KiB value (getSecretValue). */
  revealPath: string;
  /** Secrets that putSecretValue adds versions to. */
  putPaths: string[];
  /** 100 secrets with 1 KiB values bound to one key in one region (batchGetSecretValue). */
  batchPaths: string[];
  /** The secret revealed at 1k and at 1M stored (reveal-1m). */
  scalePath: string;
}

/**
 * A set-up request that must succeed. On a busy machine a region may answer 503 (its deadline
 * passed): retried a few times; creates carry an idempotency key, so a retry cannot create twice.
 */
async function ok(url: string, token: string, query: string, variables: Record<string, unknown> = {}, region?: string): Promise<any> {
  const input = variables.i as Record<string, unknown> | undefined;
  if (input && /^mutation[^{]*\{ create/.test(query)) input.idempotencyKey ??= randomBytes(12).toString('hex');
  for (let attempt = 1; ; attempt++) {
    const r = await postGql(url, query, variables, { token, region });
    if (r.status === 200 && !r.body.errors?.length && r.body.data) return r.body.data;
    if (r.status !== 503 || attempt === 5) {
      const op = /\{ (\w+)/.exec(query)?.[1] ?? '?';
      throw new Error(`set-up request ${op} failed (${r.status}): ${JSON.stringify(r.body.errors?.map((e) => e.extensions?.code ?? e.message))}`);
    }
    await new Promise((res) => setTimeout(res, 300 * attempt));
  }
}

async function inBatches(work: (() => Promise<unknown>)[], size: number): Promise<void> {
  for (let i = 0; i < work.length; i += size) await Promise.all(work.slice(i, i + size).map((w) => w()));
}

const CREATE_KEY = `mutation($i: CreateKmsKeyInput!) { createKmsKey(input: $i) { identity } }`;
const CREATE_SECRET = `mutation($i: CreateSecretInput!) { createSecret(input: $i) { path } }`;
export const Q = {
  encrypt: `mutation($i: EncryptInput!) { encrypt(input: $i) { keyVersion ciphertext } }`,
  reveal: `query($p: String!) { getSecretValue(path: $p) { value } }`,
  put: `mutation($i: PutSecretValueInput!) { putSecretValue(input: $i) { version } }`,
  pageWithKey: `query($first: Int) { secrets(pathPrefix: "page/", first: $first) { nodes { path kmsKey { status } } } }`,
  pageWithoutKey: `query($first: Int) { secrets(pathPrefix: "page/", first: $first) { nodes { path } } }`,
  encryptBatch: `mutation($k: String!, $items: [EncryptBatchItemInput!]!) { encryptBatch(keyIdentity: $k, items: $items) { ciphertext error { code } } }`,
  batchGet: `query($paths: [String!]!) { batchGetSecretValue(paths: $paths) { value error { code } } }`,
};

const value1k = () => randomBytes(768).toString('base64'); // 1024 printable characters

export async function setUpData(gw: string, token: string): Promise<Fixture> {
  const project: string = (await ok(gw, token, `{ viewer { project } }`)).viewer.project;
  const encKey = 'bench-enc';
  await ok(gw, token, CREATE_KEY, { i: { identity: encKey, type: 'AES256_GCM96' } });
  const plaintext256 = randomBytes(256).toString('base64');
  const revealPath = 'bench/reveal';
  const revealValue = value1k();
  await ok(gw, token, CREATE_SECRET, { i: { path: revealPath, kmsKeyIdentity: encKey, value: revealValue } });
  if ((await ok(gw, token, Q.reveal, { p: revealPath })).getSecretValue.value !== revealValue) throw new Error('set-up: revealed value differs');

  const putPaths = Array.from({ length: PUT_SECRETS }, (_, i) => `bench/put-${i}`);
  const batchPaths = Array.from({ length: BATCH_PATHS }, (_, i) => `batch/s-${String(i).padStart(3, '0')}`);
  const scalePath = 'scale/reveal';
  const creates = [
    ...putPaths.map((p) => () => ok(gw, token, CREATE_SECRET, { i: { path: p, kmsKeyIdentity: encKey } })),
    ...batchPaths.map((p) => () => ok(gw, token, CREATE_SECRET, { i: { path: p, kmsKeyIdentity: encKey, value: value1k() } })),
    () => ok(gw, token, CREATE_SECRET, { i: { path: scalePath, kmsKeyIdentity: encKey, value: value1k() } }),
  ];
  await inBatches(creates, 8);

  // The page: 100 keys per region, secret i bound to key i/2 of region i%2 (200 secrets, two regions).
  const keys: (() => Promise<unknown>)[] = [];
  for (let k = 0; k < PAGE_SIZE / 2; k++) {
    for (const region of REGIONS) keys.push(() => ok(gw, token, CREATE_KEY, { i: { identity: `page-${k}`, type: 'AES256_GCM96' } }, region));
  }
  await inBatches(keys, 8);
  const secrets = Array.from({ length: PAGE_SIZE }, (_, i) => () =>
    ok(gw, token, CREATE_SECRET, { i: { path: `page/s-${String(i).padStart(3, '0')}`, kmsKeyIdentity: `page-${Math.floor(i / 2)}`, region: REGIONS[i % 2] } }));
  await inBatches(secrets, 8);
  const page = await ok(gw, token, Q.pageWithKey, { first: PAGE_SIZE });
  const nodes = page.secrets.nodes as { kmsKey: { status: string } | null }[];
  if (nodes.length !== PAGE_SIZE || nodes.some((n) => n.kmsKey?.status !== 'ACTIVE')) throw new Error('set-up: the page of 200 secrets over two regions is not what was created');
  return { project, encKey, plaintext256, revealPath, putPaths, batchPaths, scalePath };
}
