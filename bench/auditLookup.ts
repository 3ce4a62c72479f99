/*
 * The audit-lookup benchmark's fixture: two projects' audit logs, one with 1k events and one with
 * 1M, each with one event of a known requestId at the very bottom (behind all the others), written
 * through the real append path (AuditLog.append: stream entry and index entries in one script).
 * The ops look that event up with `auditEvents(filter: { requestId })`, through the platform
 * domain (AuditSearch over AuditLog) and through the gateway.
 */
import { AuditLog, type AuditAction, type AuditEventInput } from '../shared/audit';
import type { RedisClient } from '../shared/redis';
import { AuditSearch } from '../subgraphs/platform/domain/auditSearch';
import type { HttpClient, Op } from './loadgen';

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

/** The lookup through the platform domain, as the resolver calls it; it succeeds only if the target is on the first page. */
export function domainLookupOp(redis: RedisClient, project: string): Op {
  const search = new AuditSearch(new AuditLog(redis));
  const caller = { tokenId: '00000000000000aa', project, scopes: ['audit:read'], pathPrefixes: null, root: false };
  return async () => {
    const page = await search.page(caller, { filter: { requestId: AUDIT_TARGET }, first: 10 });
    return page.events.length === 1 && page.events[0].requestId === AUDIT_TARGET && !page.hasNextPage;
  };
}

const LOOKUP = `query($r: String!) { auditEvents(first: 10, filter: { requestId: $r }) { nodes { requestId resource } pageInfo { hasNextPage } } }`;

/** The same lookup through the gateway, with a token of the project. */
export function gatewayLookupOp(client: HttpClient, gatewayUrl: string, token: string): Op {
  const body = JSON.stringify({ query: LOOKUP, variables: { r: AUDIT_TARGET } });
  const expected = JSON.stringify({ data: { auditEvents: { nodes: [{ requestId: AUDIT_TARGET, resource: 'secret:app/target' }], pageInfo: { hasNextPage: false } } } });
  return async () => {
    const r = await client.post(gatewayUrl, { authorization: `Bearer ${token}` }, body);
    return r.status === 200 && JSON.stringify(JSON.parse(r.text)) === expected;
  };
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
