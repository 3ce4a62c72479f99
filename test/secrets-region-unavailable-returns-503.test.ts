import { startStack, type Stack } from './support/stack';

/**
 * Seed, "Prerequisites": if KMS is not available in the secret's region, crypto operations return
 * 503. createSecret in a region without KMS (ap-southeast-2) → 503 REGION_UNAVAILABLE with
 * extensions.region and Retry-After; a secret whose region's KMS is down cannot be revealed or
 * written (503, fast) while its metadata stays readable; the region coming back restores it.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ label: 'sec-region', kms: true, secrets: true });
  await stack.ok(`mutation { createKmsKey(input: { identity: "eu-key", type: AES256_GCM96 }) { identity } }`, {}, { region: 'eu-west-1' });
  await stack.ok(`mutation { createSecret(input: { path: "eu/s", kmsKeyIdentity: "eu-key", region: "eu-west-1", value: "in eu" }) { path } }`);
});
afterAll(async () => stack?.stop());

test('createSecret in ap-southeast-2 (no KMS there) → 503 REGION_UNAVAILABLE, extensions.region, Retry-After', async () => {
  for (const opts of [{ input: { region: 'ap-southeast-2' } }, { input: {}, region: 'ap-southeast-2' }]) {
    const r = await stack.gql(`mutation($i: CreateSecretInput!) { createSecret(input: $i) { path } }`, {
      i: { path: 'ap/s', kmsKeyIdentity: 'eu-key', value: 'x', ...opts.input },
    }, { region: opts.region });
    expect(r.status).toBe(503);
    expect(r.body.errors?.[0].extensions).toMatchObject({ code: 'REGION_UNAVAILABLE', region: 'ap-southeast-2' });
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
  }
  expect((await stack.ok(`{ secret(path: "ap/s") { path } }`)).secret).toBeNull();
});

test("region's KMS down: reveal / put / create → 503 fast; metadata readable; kmsKey null with REGION_UNAVAILABLE (200); back up → works", async () => {
  await stack.stopKms('eu-west-1');
  try {
    const t0 = Date.now();
    const reveal = await stack.gql(`{ getSecretValue(path: "eu/s") { value } }`);
    expect(reveal.status).toBe(503);
    expect(reveal.body.errors?.[0].extensions).toMatchObject({ code: 'REGION_UNAVAILABLE', region: 'eu-west-1' });
    expect(Number(reveal.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Date.now() - t0).toBeLessThan(2500);

    const put = await stack.gql(`mutation { putSecretValue(input: { path: "eu/s", value: "y" }) { version } }`);
    expect(put.status).toBe(503);
    expect(put.body.errors?.[0].extensions?.code).toBe('REGION_UNAVAILABLE');

    const create = await stack.gql(`mutation { createSecret(input: { path: "eu/t", kmsKeyIdentity: "eu-key", region: "eu-west-1" }) { path } }`);
    expect(create.status).toBe(503);

    const meta = await stack.gql(`{ secret(path: "eu/s") { path region currentVersion versions { nodes { version state } } } }`);
    expect(meta.status).toBe(200);
    expect(meta.body.errors).toBeUndefined();
    expect(meta.body.data.secret).toEqual({ path: 'eu/s', region: 'eu-west-1', currentVersion: 1, versions: { nodes: [{ version: 1, state: 'ENABLED' }] } });

    const withKey = await stack.gql(`{ secret(path: "eu/s") { path kmsKey { status } } }`);
    expect(withKey.status).toBe(200);
    expect(withKey.body.data.secret).toEqual({ path: 'eu/s', kmsKey: null });
    expect(withKey.body.errors?.[0].extensions).toMatchObject({ code: 'REGION_UNAVAILABLE', region: 'eu-west-1' });
  } finally {
    await stack.restartKms('eu-west-1');
  }
  // Circuit breakers may hold the region closed for a few seconds after it returns.
  let value: string | undefined;
  for (let i = 0; i < 40 && value === undefined; i++) {
    const r = await stack.gql(`{ getSecretValue(path: "eu/s") { value } }`);
    value = r.body.data?.getSecretValue?.value;
    if (value === undefined) await new Promise((res) => setTimeout(res, 250));
  }
  expect(value).toBe('in eu');
});
