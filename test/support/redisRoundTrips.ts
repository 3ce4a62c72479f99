import type { RedisClient } from '../../shared/redis';

/**
 * Records what a Redis client sends while `work` runs: every command's name, and the command
 * names of each pipeline it executes. A pipeline executed is one round trip, whether the store
 * built it or ioredis's auto-pipelining collected it from one event-loop tick.
 */
export async function recordRoundTrips<T>(redis: RedisClient, work: () => Promise<T>): Promise<{ result: T; sent: string[]; pipelines: string[][] }> {
  const sent: string[] = [];
  const pipelines: string[][] = [];
  const spy = redis as unknown as { sendCommand: (c: { name: string }) => unknown; pipeline: (cmds?: unknown[][]) => unknown };
  const orig = spy.sendCommand;
  const origPipeline = spy.pipeline;
  spy.sendCommand = function (this: unknown, c: { name: string }) {
    sent.push(c.name);
    return orig.apply(redis, [c]);
  } as typeof spy.sendCommand;
  spy.pipeline = function (this: unknown, cmds?: unknown[][]) {
    const p = origPipeline.apply(redis, [cmds]) as { exec: (...a: unknown[]) => unknown; _queue: { name: string }[] };
    const exec = p.exec;
    p.exec = function (...a: unknown[]) {
      pipelines.push(p._queue.map((c) => c.name));
      return exec.apply(p, a);
    };
    return p;
  } as typeof spy.pipeline;
  try {
    return { result: await work(), sent, pipelines };
  } finally {
    spy.sendCommand = orig;
    spy.pipeline = origPipeline;
  }
}
