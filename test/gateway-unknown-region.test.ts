import { startStack, type Stack } from './support/stack';

describe('x-region naming a region outside the registry', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ label: 'gw-region' });
  });
  afterAll(async () => stack?.stop());
  const tokenCount = async () => (await stack.services.get('platform')!.tokens.list('default')).length;

  it('is refused with 400 BAD_USER_INPUT and extensions.region', async () => {
    const r = await stack.gql('{ viewer { project } }', {}, { region: 'mars-north-1' });
    expect(r.status).toBe(400);
    expect(r.body.data).toBeNull();
    expect(r.body.errors?.[0].extensions).toEqual({ code: 'BAD_USER_INPUT', region: 'mars-north-1' });
  });

  it('is refused before anything executes (a mutation has no effect)', async () => {
    const before = await tokenCount();
    const r = await stack.gql('mutation { createApiToken(input: { name: "nope", scopes: ["kms:read"] }) { info { id } } }', {}, { region: 'zz-nowhere-1' });
    expect(r.status).toBe(400);
    expect(r.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(await tokenCount()).toBe(before);
  });

  it('is refused on GET too', async () => {
    const res = await fetch(`${stack.gatewayUrl}?query=${encodeURIComponent('{ viewer { project } }')}`, {
      headers: { authorization: `Bearer ${stack.rootToken}`, 'x-region': 'eu-west-99', 'apollo-require-preflight': 'true' },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).errors[0].extensions.region).toBe('eu-west-99');
  });

  it('accepts every listed region, with or without a KMS endpoint', async () => {
    for (const region of ['us-east-1', 'eu-west-1', 'ap-southeast-2']) {
      const r = await stack.gql('{ viewer { project } }', {}, { region });
      expect(r.status).toBe(200);
      expect(r.body.data.viewer.project).toBe('default');
    }
  });
});
