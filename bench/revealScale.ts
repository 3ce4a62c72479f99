/*
 * reveal-1m: getSecretValue of one secret (created through the API) while its project stores 1k
 * secrets, then 1M (seeded straight into the store, seedSecrets.ts); latency-oriented, so few
 * connections. Redis used_memory is reported; the seeded secrets are unlinked afterwards.
 */
import { createRedis, type RedisClient } from '../shared/redis';
import { allIndexKey } from '../subgraphs/secrets/store/keyLayout';
import { Q } from './fixtures';
import { gqlBody, measure, type Ctx, type OurTarget } from './scenarios';
import { seedSecrets, unseedSecrets, type SeedSpec } from './seedSecrets';
import { fmt } from './report';

const SMALL = 1000;

export async function revealScale(ctx: Ctx, t: OurTarget, opts: { redisUrl: string; keyPrefix: string; unprefixed: RedisClient }): Promise<void> {
  const redis = createRedis({ url: opts.redisUrl, clusterNodes: null, keyPrefix: opts.keyPrefix, commandTimeoutMs: 60_000 });
  const spec: SeedSpec = { project: t.fx.project, region: 'us-east-1', kmsKeyIdentity: t.fx.encKey, pathPrefix: 'scale/seed-' };
  const memory = async () => /used_memory_human:(\S+)/.exec(String(await opts.unprefixed.info('memory')))?.[1] ?? '?';
  const large = ctx.args.stored;
  let seeded = 0;
  try {
    const existing = Number(await redis.zcard(allIndexKey(spec.project)));
    const toSmall = Math.max(0, SMALL - existing);
    const toLarge = Math.max(toSmall, large - existing);
    await seedSecrets(redis, spec, 0, toSmall);
    seeded = toSmall;
    const m = {
      url: t.gatewayUrl, connections: ctx.args.latencyConcurrency,
      requests: [{ headers: { authorization: `Bearer ${t.rootToken}` }, body: gqlBody(Q.reveal, { p: t.fx.scalePath }) }],
    };
    await measure(ctx, { ...m, name: 'reveal-1k', label: `reveal, ${SMALL / 1000}k secrets stored` });
    const before = await memory();
    const t0 = Date.now();
    ctx.log(`reveal-1m: seeding ${toLarge - toSmall} secrets (Redis used_memory ${before})`);
    await seedSecrets(redis, spec, toSmall, toLarge, (n) => ctx.log(`reveal-1m: ${n} seeded`));
    seeded = toLarge;
    const seconds = (Date.now() - t0) / 1000;
    const after = await memory();
    const stored = Number(await redis.zcard(allIndexKey(spec.project)));
    ctx.log(`reveal-1m: ${stored} secrets stored; seeded at ${fmt((toLarge - toSmall) / seconds)}/s; used_memory ${before} → ${after}`);
    await measure(ctx, {
      ...m, name: 'reveal-1m', label: `reveal, ${stored >= 1e6 ? `${fmt(stored / 1e6, 1)}M` : stored} secrets stored`,
      note: `${stored} secrets in the project (seeded straight into the store's layout, pipelined, at ${fmt((toLarge - toSmall) / seconds)} secrets/s); Redis used_memory ${before} → ${after}`,
    });
  } finally {
    const t0 = Date.now();
    const n = await unseedSecrets(redis, spec, 0, seeded).catch(() => -1);
    ctx.log(`reveal-1m: unlinked ${n} keys in ${fmt((Date.now() - t0) / 1000, 1)} s; used_memory ${await memory()}`);
    redis.disconnect();
  }
}
