/*
 * The audit-lookup benchmark's fixture: two projects' audit logs, one with 1k events and one with
 * 1M, each with one event of a known requestId at the very bottom (behind all the others), written
 * through the real append path (AuditLog.append: stream entry and index entries in one script).
 * The scenario looks that event up with `auditEvents(filter: { requestId })` through the
 * gateway, a few lookups in flight. Only with `--only audit-lookup` (minutes, ~600 MB of Redis).
 */
import { AuditLog, type AuditAction, type AuditEventInput } from '../shared/audit';
import type { RedisClient } from '../shared/redis';
import { createRedis } from '../shared/redis';
import { postGql } from '../test/support/gql';
import { fmt } from './report';
import { gqlBody, measure, type Ctx, type OurTarget } from './scenarios';

export const AUDIT_SMALL = 1_000;
export const AUDIT_LARGE = 1_000_000;
export const AUDIT_TARGET = 'bench-audit-target';
/** Appends in flight at once while seeding (the client pipelines them on one connection). */
const SEED_WINDOW = 5000;

const ACTIONS: AuditAction[] = ['secrets.get_value', 'kms.decrypt', 'secrets.put_value', 'kms.encrypt', 'kms.sign'];

/** A plausible mix: two events per request, 5,000 resources, 20 actors, 5 actions. */
function noise(project: string, i: number): AuditEventInput {
  return {
    action: ACTIONS[i % ACTIONS.length], outcome: 'SUCCESS', actor: `token:${(i % 20).toString(16).padStart(16, '0')}`,
    project, resource: `secret:app/${i % 5000}`, requestId: `bench-${i >> 1}`,
  };
}

/** The target event first, then `newer` events on top of it. */
export async function seedAuditLog(redis: RedisClient, project: string, newer: number, progress: (done: number) => void): Promise<void> {
  const audit = new AuditLog(redis);
  await audit.append({ action: 'secrets.get_value', outcome: 'SUCCESS', actor: 'token:00000000000000aa', project, resource: 'secret:app/target', requestId: AUDIT_TARGET });
  for (let i = 0; i < newer; i += SEED_WINDOW) {
    const n = Math.min(SEED_WINDOW, newer - i);
    await Promise.all(Array.from({ length: n }, (_, k) => audit.append(noise(project, i + k))));
    if ((i / SEED_WINDOW) % 40 === 39) progress(i + n);
  }
}

/**
 * Drops the seeded logs (every key of the two projects under `fullPrefix`) with UNLINK in batches:
 * Redis frees the big stream and sorted sets in the background, so a shared server is not blocked.
 */
export async function dropAuditLogs(unprefixed: RedisClient, fullPrefix: string, projects: string[]): Promise<number> {
  let dropped = 0;
  for (const project of projects) {
    let cursor = '0';
    do {
      const [next, keys] = await unprefixed.scan(cursor, 'MATCH', `${fullPrefix}audit:{${project}}*`, 'COUNT', 5000);
      cursor = next;
      if (keys.length) dropped += Number(await unprefixed.unlink(...keys));
    } while (cursor !== '0');
  }
  return dropped;
}

const LOOKUP = `query($r: String!) { auditEvents(first: 10, filter: { requestId: $r }) { nodes { requestId resource } pageInfo { hasNextPage } } }`;

export async function runAuditLookup(ctx: Ctx, t: OurTarget, opts: { redisUrl: string; keyPrefix: string; unprefixed: RedisClient }): Promise<void> {
  // Same prefix as the platform service, so the gateway's auditEvents reads these logs.
  const redis = createRedis({ url: opts.redisUrl, clusterNodes: null, keyPrefix: opts.keyPrefix, commandTimeoutMs: 30_000 });
  const memory = async () => /used_memory_human:(\S+)/.exec(String(await opts.unprefixed.info('memory')))?.[1] ?? '?';
  const projects = { small: 'bench-audit-1k', large: 'bench-audit-1m' };
  try {
    const before = await memory();
    await seedAuditLog(redis, projects.small, AUDIT_SMALL - 1, () => undefined);
    const t0 = Date.now();
    await seedAuditLog(redis, projects.large, AUDIT_LARGE - 1, (n) => ctx.log(`audit-lookup: ${n} events appended`));
    const note = `seeded through AuditLog.append at ${fmt(AUDIT_LARGE / ((Date.now() - t0) / 1000))}/s; Redis used_memory ${before} → ${await memory()}`;
    for (const [name, project, n] of [['audit-lookup-1k', projects.small, AUDIT_SMALL], ['audit-lookup', projects.large, AUDIT_LARGE]] as const) {
      const r = await postGql(t.gatewayUrl, `mutation($i: CreateApiTokenInput!) { createApiToken(input: $i) { token } }`,
        { i: { name: 'bench audit', scopes: ['audit:read'], project } }, { token: t.rootToken });
      const token = r.body.data?.createApiToken?.token as string | undefined;
      if (!token) throw new Error(`audit-lookup: createApiToken failed (${r.status})`);
      await measure(ctx, {
        name, label: `auditEvents(requestId) behind ${n >= 1e6 ? `${n / 1e6}M` : `${n / 1000}k`} events`, url: t.gatewayUrl, connections: ctx.args.latencyConcurrency,
        requests: [{ headers: { authorization: `Bearer ${token}` }, body: gqlBody(LOOKUP, { r: AUDIT_TARGET }) }], note: name === 'audit-lookup' ? note : undefined,
      });
    }
  } finally {
    redis.disconnect();
    ctx.log(`audit-lookup: unlinked ${await dropAuditLogs(opts.unprefixed, opts.keyPrefix, Object.values(projects))} keys`);
  }
}
