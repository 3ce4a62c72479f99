import { hasIdempotencyKey } from './createClient';
import { parseRetryAfter } from './transport';

test('a mutation is retryable only with a non-empty idempotencyKey somewhere in its variables', () => {
  expect(hasIdempotencyKey({ input: { identity: 'k', idempotencyKey: 'abc' } })).toBe(true);
  expect(hasIdempotencyKey({ items: [{ a: 1 }, { nested: { idempotencyKey: 'x' } }] })).toBe(true);
  expect(hasIdempotencyKey({ input: { identity: 'k', idempotencyKey: '' } })).toBe(false);
  expect(hasIdempotencyKey({ input: { identity: 'k', idempotencyKey: null } })).toBe(false);
  expect(hasIdempotencyKey({ input: { identity: 'k' } })).toBe(false);
  expect(hasIdempotencyKey({ plaintext: new Uint8Array(4) })).toBe(false);
});

test('Retry-After: delta-seconds or an HTTP date, in seconds', () => {
  expect(parseRetryAfter('1')).toBe(1);
  expect(parseRetryAfter(' 60 ')).toBe(60);
  expect(parseRetryAfter(null)).toBeUndefined();
  expect(parseRetryAfter('soon')).toBeUndefined();
  const now = Date.parse('2026-01-01T00:00:00Z');
  expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:03 GMT', now)).toBe(3);
  expect(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0);
});
