import { testConfig } from './support/env';
import { startKmsHarness, type KmsHarness } from './support/kms';
import { Q } from './support/kmsQueries';
import { KeyStore } from '../subgraphs/kms/store/keyStore';

/** Secret.kmsKey resolves through `_entities`: batched, region-aware, null for absent keys. */
let h: KmsHarness;
beforeAll(async () => {
  h = await startKmsHarness(testConfig({ REGION: 'us-east-1' }, 'kms-entities'));
  for (let i = 0; i < 150; i++) await h.ok(Q.create, { input: { identity: `e-${i}`, type: 'AES256_GCM96' } });
});
afterAll(async () => h.stop());

const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { ... on KmsKey { region identity status latestVersion } } }`;

it('200 references cost one batched key-state read; other-region and absent keys are null, order kept', async () => {
  const reps = Array.from({ length: 200 }, (_, i) =>
    i % 10 === 9 ? { __typename: 'KmsKey', region: 'eu-west-1', identity: `e-${i}` } : { __typename: 'KmsKey', region: 'us-east-1', identity: `e-${i}` },
  );
  const spy = jest.spyOn(KeyStore.prototype, 'getMany');
  try {
    const data = await h.ok(ENTITIES, { r: reps });
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.calls[0][0]).toHaveLength(200 - 20);
    const out = data._entities as ({ identity: string; region: string; status: string } | null)[];
    expect(out).toHaveLength(200);
    out.forEach((e, i) => {
      if (i % 10 === 9 || i >= 150) expect(e).toBeNull();
      else expect(e).toEqual({ region: 'us-east-1', identity: `e-${i}`, status: 'ACTIVE', latestVersion: 1 });
    });
  } finally {
    spy.mockRestore();
  }
});

it('references need kms:read: one denial per request, audited once', async () => {
  const { token } = await h.services.tokens.create({ name: 'r', project: 'default', scopes: ['secrets:read'], pathPrefixes: null, expiresAt: null });
  const reps = Array.from({ length: 5 }, (_, i) => ({ __typename: 'KmsKey', region: 'us-east-1', identity: `e-${i}` }));
  const r = await h.gql(ENTITIES, { r: reps }, { token, headers: { 'x-request-id': 'entities-denied' } });
  expect(r.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  const events = (await h.services.audit.query('default', { requestId: 'entities-denied' }, 10, null)).events;
  expect(events).toHaveLength(1);
  expect(events[0]).toMatchObject({ action: 'auth.denied', errorCode: 'FORBIDDEN' });
});

it('key state seen through a reference is fresh: disabling shows on the next request', async () => {
  await h.ok(Q.disable, { id: 'e-0' });
  const data = await h.ok(ENTITIES, { r: [{ __typename: 'KmsKey', region: 'us-east-1', identity: 'e-0' }] });
  expect(data._entities[0].status).toBe('DISABLED');
});
