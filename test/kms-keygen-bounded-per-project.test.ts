import type { RunningKms } from '../subgraphs/kms/server';
import { startStack, type Stack } from './support/stack';

/**
 * Key generation is bounded per project (KEYGEN_CONCURRENCY_PER_PROJECT): with a bound of 1,
 * concurrent creates of one project generate one key at a time, while another project's create
 * runs beside them instead of queueing behind them. The kms reports the most generations it ran
 * at once, per project and in all.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    label: 'kms-keygen-bound',
    kms: true,
    env: { KEYGEN_CONCURRENCY_PER_PROJECT: '1' },
    // Long enough that the queued creates of one project all finish, on a loaded machine too.
    serviceEnv: { gateway: { KEYGEN_TIMEOUT_MS: '90000' } },
  });
}, 60_000);
afterAll(() => stack?.stop());

test('one project generates one key at a time; another project is not held up by it', async () => {
  const region = 'us-east-1';
  const other = await stack.token(['kms:admin'], { project: 'other-team' });
  const keygen = (stack.kms(region) as RunningKms).kms.keygen;
  const create = (identity: string, type: string, token?: string) =>
    stack.gql(`mutation($i: String!, $t: KeyType!) { createKmsKey(input: { identity: $i, type: $t }) { identity } }`, { i: identity, t: type }, { region, token });

  const answers = await Promise.all([
    create('burst-1', 'RSA_4096'),
    create('burst-2', 'RSA_4096'),
    create('burst-3', 'RSA_4096'),
    create('beside', 'RSA_2048', other.token),
  ]);

  expect(answers.map((r) => [r.status, r.body.data?.createKmsKey?.identity])).toEqual([
    [200, 'burst-1'],
    [200, 'burst-2'],
    [200, 'burst-3'],
    [200, 'beside'],
  ]);
  expect(keygen.peak('default')).toBe(1);
  expect(keygen.peak('other-team')).toBe(1);
  // The other project's generation ran while the burst's did: it did not wait for a slot.
  expect(keygen.peakTotal).toBe(2);
}, 120_000);
