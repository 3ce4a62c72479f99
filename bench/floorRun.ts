/*
 * The federation floor of a run: (a) bare subgraph, (b) stock gateway, (c) keep-alive gateway,
 * each its own process, measured with the same 256 B plaintext as our encrypt.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { RedisClient } from '../shared/redis';
import { FLOOR_QUERY, floorKeyRecord } from './floor/schema';
import { forkReady, stopProc, type Proc } from './procs';
import { gqlBody, measure, type Ctx } from './scenarios';

export const FLOOR = ['a', 'b', 'c'] as const;

/** Starts what the selected floor rows need, measures them, stops the floor processes. */
export async function runFloor(ctx: Ctx, opts: { redis: RedisClient; redisUrl: string; keyPrefix: string; plaintext: string; procs: Map<string, Proc> }): Promise<void> {
  const want = FLOOR.filter((n) => !ctx.args.only || ctx.args.only.includes(n));
  if (want.length === 0) return;
  const keyId = 'floor-k1';
  await opts.redis.hset(floorKeyRecord(keyId), 'material', randomBytes(32).toString('base64'), 'status', 'ACTIVE');
  const execArgv = ctx.args.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${ctx.args.profileDir}`] : [];
  const started: Proc[] = [];
  try {
    const sub = await forkReady('floor (a)', path.join(__dirname, 'floor', 'subgraph.js'), { redisUrl: opts.redisUrl, keyPrefix: opts.keyPrefix, broken: ctx.args.breakFloor }, execArgv);
    started.push(sub);
    opts.procs.set('floor-a', sub);
    const urls: Record<string, string> = { a: sub.url };
    for (const [name, keepAlive] of [['b', false], ['c', true]] as const) {
      if (!want.includes(name)) continue;
      const gw = await forkReady(`floor (${name})`, path.join(__dirname, 'floor', 'gateway.js'), { subgraphUrl: sub.url, keepAlive }, execArgv);
      started.push(gw);
      opts.procs.set(`floor-${name}`, gw);
      urls[name] = gw.url;
    }
    const requests = [{ headers: {}, body: gqlBody(FLOOR_QUERY, { k: keyId, p: opts.plaintext }) }];
    const labels = { a: '(a) bare @apollo/server subgraph: HMGET + AES-256-GCM', b: '(b) stock @apollo/gateway → (a)', c: '(c) @apollo/gateway + keep-alive agent → (a)' };
    for (const name of want) await measure(ctx, { name, label: labels[name], url: urls[name], requests });
  } finally {
    await Promise.all(started.map((p) => stopProc(p, 2000)));
    for (const n of FLOOR) opts.procs.delete(`floor-${n}`);
  }
}
