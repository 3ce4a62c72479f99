import { createHash } from 'node:crypto';
import { startStack, type Stack } from './support/stack';

/** A persisted-query hash that does not match its query is the client's mistake: 400, never a 500. */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ label: 'apq-mismatch' });
});
afterAll(() => stack.stop());

const post = (body: unknown) =>
  fetch(stack.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.rootToken}` }, body: JSON.stringify(body) });

it('answers BAD_REQUEST (400) for a hash that is not the query\'s, and registers a matching one', async () => {
  const query = '{ viewer { id } }';
  const wrong = await post({ query, extensions: { persistedQuery: { version: 1, sha256Hash: '00'.repeat(32) } } });
  expect(wrong.status).toBe(400);
  expect(await wrong.json()).toEqual({ errors: [{ message: 'provided sha does not match query', extensions: { code: 'BAD_REQUEST' } }] });

  const sha256Hash = createHash('sha256').update(query).digest('hex');
  const right = await post({ query, extensions: { persistedQuery: { version: 1, sha256Hash } } });
  expect(right.status).toBe(200);
  expect(((await right.json()) as { data: { viewer: { id: string } } }).data.viewer.id).toBeTruthy();
});
