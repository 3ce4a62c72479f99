import { testConfig } from '../test/support/env';
import { FeatureGates } from './featureGates';
import { RateLimiter } from './rateLimit';
import { createRedis } from './redis';

const config = testConfig({}, 'rate-gates');
const redis = createRedis(config.redis);
// The test run's own key prefix (testConfig) is deleted by the global teardown.
afterAll(() => redis.quit());

const gates = new FeatureGates(redis);
const who = (project: string, tokenId = 'tok0000000000001') => ({ project, tokenId });
const ALL_ON = { secrets: true, kms: true };

// The kms subgraph's rate-limit call reads the caller's gates in the same script: the same gates
// as FeatureGates reads, the same verdicts as admit gives, and no gates for a refused request.
test('admitReadingGates answers the gates FeatureGates reads, for each state of each gate', async () => {
  const limiter = new RateLimiter(redis, { tokenPerMinute: 100, projectPerMinute: 100 });
  expect(await limiter.admitReadingGates(who('rg-a'), undefined)).toEqual({ verdict: { ok: true }, gates: ALL_ON });
  await gates.set('rg-a', 'kms', false);
  expect(await limiter.admitReadingGates(who('rg-a'), undefined)).toEqual({ verdict: { ok: true }, gates: { secrets: true, kms: false } });
  await gates.set('rg-a', 'secrets', false);
  await gates.set('rg-a', 'kms', true);
  const read = await limiter.admitReadingGates(who('rg-a'), undefined);
  expect(read).toEqual({ verdict: { ok: true }, gates: { secrets: false, kms: true } });
  expect(read.gates).toEqual(await gates.get('rg-a'));
  // Another project's gates are its own.
  expect((await limiter.admitReadingGates(who('rg-b'), undefined)).gates).toEqual(ALL_ON);
});

test('the same verdicts as admit: token limit, then project limit, with Retry-After; gates only when admitted', async () => {
  const limiter = new RateLimiter(redis, { tokenPerMinute: 2, projectPerMinute: 3 });
  await gates.set('rg-c', 'kms', false);
  const off = { secrets: true, kms: false };
  expect(await limiter.admitReadingGates(who('rg-c', 'tokA000000000001'), undefined)).toEqual({ verdict: { ok: true }, gates: off });
  expect(await limiter.admit(who('rg-c', 'tokA000000000001'), undefined)).toEqual({ ok: true });
  const overToken = await limiter.admitReadingGates(who('rg-c', 'tokA000000000001'), undefined);
  expect(overToken).toEqual({ verdict: { ok: false, limit: 'token', retryAfterSeconds: expect.any(Number) }, gates: null });
  expect((overToken.verdict as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThanOrEqual(1);
  expect((overToken.verdict as { retryAfterSeconds: number }).retryAfterSeconds).toBeLessThanOrEqual(60);
  // The project has counted 2 of its 3: one more from another token, then it is over.
  expect((await limiter.admitReadingGates(who('rg-c', 'tokB000000000001'), undefined)).verdict).toEqual({ ok: true });
  expect(await limiter.admitReadingGates(who('rg-c', 'tokB000000000001'), undefined)).toEqual({
    verdict: { ok: false, limit: 'project', retryAfterSeconds: expect.any(Number) },
    gates: null,
  });
});

test("one gateway request counts once; its later fetches get the first verdict and the gates as they are now", async () => {
  const limiter = new RateLimiter(redis, { tokenPerMinute: 1, projectPerMinute: 0 });
  const rid = 'gw-request-000000000001';
  expect(await limiter.admitReadingGates(who('rg-d'), rid)).toEqual({ verdict: { ok: true }, gates: ALL_ON });
  await gates.set('rg-d', 'kms', false);
  // The same client request again (another subgraph fetch): admitted, not counted, fresh gates.
  expect(await limiter.admitReadingGates(who('rg-d'), rid)).toEqual({ verdict: { ok: true }, gates: { secrets: true, kms: false } });
  expect(await limiter.admit(who('rg-d'), rid)).toEqual({ ok: true });
  // A new request of the token is over its one.
  expect((await limiter.admitReadingGates(who('rg-d'), 'gw-request-000000000002')).verdict).toMatchObject({ ok: false, limit: 'token' });
});

test('with no limit configured it still reads the gates, and counts nothing', async () => {
  const limiter = new RateLimiter(redis, { tokenPerMinute: 0, projectPerMinute: 0 });
  await gates.set('rg-e', 'secrets', false);
  expect(await limiter.admitReadingGates(who('rg-e'), undefined)).toEqual({ verdict: { ok: true }, gates: { secrets: false, kms: true } });
  expect(await redis.exists('rl:{rg-e}:p', 'rl:{rg-e}:t:tok0000000000001')).toBe(0);
});

test('a project name outside the shared rule never reaches Redis', async () => {
  const limiter = new RateLimiter(redis, { tokenPerMinute: 5, projectPerMinute: 5 });
  await expect(limiter.admitReadingGates(who('Not a project}'), undefined)).rejects.toThrow();
});
