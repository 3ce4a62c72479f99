import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startStack, type GqlResponse, type Stack } from './support/stack';

/**
 * The README's copy-paste "Secrets flow" is run as written (each `q '<json>' [-H 'h: v']` line is
 * one request) and must give what its comments promise.
 */
const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## Secrets flow'), readme.indexOf('## Configuration'));
const steps = [...section.matchAll(/^q '([^']*)'((?:\s+-H '[^']*')*)\s*$/gm)].map((m) => ({
  body: JSON.parse(m[1]) as { query: string },
  headers: Object.fromEntries([...m[2].matchAll(/-H '([^:]+):\s*([^']*)'/g)].map((h) => [h[1], h[2]])),
}));

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ label: 'readme', kms: true, secrets: true });
});
afterAll(() => stack.stop());

it('every step of the README flow answers as documented', async () => {
  expect(steps).toHaveLength(11);
  const r: GqlResponse[] = [];
  for (const s of steps) r.push(await stack.gql(s.body.query, {}, { headers: s.headers }));
  const expectStepSucceeded = (i: number) => expect({ step: i, status: r[i].status, errors: r[i].body.errors }).toEqual({ step: i, status: 200, errors: undefined });
  [0, 1, 2, 3, 4].forEach(expectStepSucceeded);
  expect(r[0].body.data.createKmsKey).toEqual({ region: 'us-east-1', identity: 'payments', status: 'ACTIVE' });
  expect(r[1].body.data.createSecret.kmsKey).toEqual({ status: 'ACTIVE' });
  expect(r[3].body.data.getSecretValue.value).toBe('s3cr3t');
  for (const i of [5, 6]) {
    expect({ step: i, status: r[i].status, ext: r[i].body.errors?.[0].extensions }).toEqual({
      step: i, status: 400, ext: { code: 'KMS_KEY_NOT_ACTIVE', kmsKeyStatus: 'DISABLED' },
    });
  }
  expectStepSucceeded(7);
  expect(r[7].body.data.secret.kmsKey).toEqual({ identity: 'payments', status: 'DISABLED' });
  expect(r[7].body.data.secrets.nodes).toEqual([{ path: 'prod/db/password', kmsKey: { status: 'DISABLED' } }]);
  [8, 9, 10].forEach(expectStepSucceeded);
  expect(r[9].body.data.getSecretValue.value).toBe('s3cr3t');
  expect(r[9].headers.get('x-request-id')).toBe('readme-reveal-1');
  const events = r[10].body.data.auditEvents.nodes.map((e: { action: string; via: string | null; actor: string }) => [e.action, e.via, e.actor]);
  expect(events.sort()).toEqual([['kms.decrypt', 'secrets', 'root'], ['secrets.get_value', null, 'root']]);
});
