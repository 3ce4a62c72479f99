import { testConfig } from '../test/support/env';
import { fieldsRecord, hashRecord, hgetallMany, hmgetMany } from './hashReads';
import { createRedis } from './redis';

const config = testConfig({}, 'hash-reads');
const redis = createRedis(config.redis);
// The test run's own key prefix (testConfig) is deleted by the global teardown.
afterAll(() => redis.quit());

// Values a description or tag list may hold: quotes, backslashes, slashes, control and non-ASCII characters.
const tricky = ['plain', 'a "quoted" \\ back/slash', 'line\nbreak\ttab\u0001', 'ünïcødé ✓ 𝄞', '', '{"json":[1,2]}', '12', 'false'];

test('hmgetMany reads the named fields of many hashes in order, exactly as written; null where absent', async () => {
  const keys = Array.from({ length: 260 }, (_, i) => `h:${i}`);
  await Promise.all(keys.map((k, i) => (i % 3 === 2 ? null : redis.hset(k, 'a', tricky[i % tricky.length], 'b', String(i)))));
  // More keys than one script call reads, plus a key never written.
  const rows = await hmgetMany(redis, [...keys, 'h:none'], ['b', 'a', 'missing']);
  expect(rows).toHaveLength(261);
  rows.slice(0, 260).forEach((row, i) => expect(row).toEqual(i % 3 === 2 ? [null, null, null] : [String(i), tricky[i % tricky.length], null]));
  expect(rows[260]).toEqual([null, null, null]);
  expect(fieldsRecord(['b', 'a', 'missing'], rows[0])).toEqual({ b: '0', a: 'plain' });
  expect(fieldsRecord(['b', 'a', 'missing'], rows[2])).toBeNull();
  // One key: the plain client command, same answer.
  expect(await hmgetMany(redis, ['h:1'], ['a', 'b'])).toEqual([[tricky[1], '1']]);
});

test('hgetallMany reads whole hashes in order; an absent one reads as no record', async () => {
  await redis.hset('g:1', 'x', tricky[1], 'y', tricky[3]);
  const hashes = await hgetallMany(redis, ['g:1', 'g:none', 'g:1']);
  expect(hashes.map(hashRecord)).toEqual([{ x: tricky[1], y: tricky[3] }, null, { x: tricky[1], y: tricky[3] }]);
});
