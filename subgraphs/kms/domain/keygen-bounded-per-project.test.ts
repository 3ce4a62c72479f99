import { ApiError } from '../../../shared/errors';
import { KeygenLimiter } from './keygenLimiter';

/** Key generation slots are per project: a project over its bound waits (within its deadline); other projects do not. */

const busy = () => new ApiError('REGION_UNAVAILABLE', 'busy', { retryAfter: 1 });

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

/** Lets every already-settled promise run its continuations. */
const settle = () => new Promise((r) => setImmediate(r));

test("a project's second generation waits for its first; another project's runs at once", async () => {
  const limiter = new KeygenLimiter(1);
  const started: string[] = [];
  const a1 = gate();
  const run = (project: string, name: string, until: Promise<void> = Promise.resolve()) =>
    limiter.run(project, null, busy, async () => {
      started.push(name);
      await until;
      return name;
    });
  const first = run('a', 'a1', a1.opened);
  const second = run('a', 'a2');
  const other = run('b', 'b1');
  await settle();
  expect(started).toEqual(['a1', 'b1']);
  expect(await other).toBe('b1');
  a1.open();
  expect(await Promise.all([first, second])).toEqual(['a1', 'a2']);
  expect(started).toEqual(['a1', 'b1', 'a2']);
  expect({ a: limiter.peak('a'), b: limiter.peak('b'), total: limiter.peakTotal, generations: limiter.generations }).toEqual({ a: 1, b: 1, total: 2, generations: 3 });
});

test('a waiter whose deadline passes is refused and never generates; a deadline already past is refused at once', async () => {
  const limiter = new KeygenLimiter(1);
  const hold = gate();
  const first = limiter.run('a', null, busy, () => hold.opened);
  let ran = false;
  await expect(limiter.run('a', Date.now() + 20, busy, async () => void (ran = true))).rejects.toMatchObject({ code: 'REGION_UNAVAILABLE' });
  await expect(limiter.run('b', Date.now() - 1, busy, async () => void (ran = true))).rejects.toMatchObject({ code: 'REGION_UNAVAILABLE' });
  hold.open();
  await first;
  await settle();
  expect(ran).toBe(false);
  expect(limiter.generations).toBe(1);
  // The timed-out waiter left the line: the next caller gets the free slot straight away.
  expect(await limiter.run('a', null, busy, async () => 'next')).toBe('next');
});

test('the line of one project is bounded: beyond it a caller is refused at once', async () => {
  const limiter = new KeygenLimiter(1, 2);
  const hold = gate();
  const calls = [limiter.run('a', null, busy, () => hold.opened), limiter.run('a', null, busy, async () => undefined), limiter.run('a', null, busy, async () => undefined)];
  await expect(limiter.run('a', null, busy, async () => undefined)).rejects.toMatchObject({ code: 'REGION_UNAVAILABLE' });
  hold.open();
  await Promise.all(calls);
  expect(limiter.generations).toBe(3);
});

test('a generation that fails frees its slot', async () => {
  const limiter = new KeygenLimiter(1);
  await expect(limiter.run('a', null, busy, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  expect(await limiter.run('a', Date.now() + 1000, busy, async () => 'ok')).toBe('ok');
});
