import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { regionUnavailable } from '../../shared/errors';
import type { RegionRegistry } from '../../shared/regions';
import type { SubgraphAnswer, SubgraphTransport } from '../../shared/subgraphTransport';
import { fetchBudget, forwardedHeaders, type GatewayContext } from '../context';
import type { RegionCircuits } from '../regionCircuits';
import { mergeBatches, splitByRegion, type BatchResult } from './entitySplit';
import { asResponseError, payloadOf, type GatewayResponse } from './SubgraphDataSource';

/** Retry-After for a region that has no KMS at all: it will not appear within seconds. */
const NO_ENDPOINT_RETRY_AFTER_S = 60;
/** Retry-After of a key generation that outlasted its own deadline in a live region (the breaker did not count it). */
const SLOW_KEYGEN_RETRY_AFTER_S = 1;

const KEYGEN_FIELDS = new Set(['createKmsKey', 'rotateKmsKey']);

/**
 * Key generation (RSA-4096 takes a second or more on a busy core) gets its own, longer deadline;
 * every other KMS call keeps the subgraph timeout. Only an operation whose every root field
 * generates a key qualifies (decided on the parsed operation, so no argument value can ask for it).
 */
export function isKeygenOperation(query: string): boolean {
  if (!/\b(createKmsKey|rotateKmsKey)\b/.test(query)) return false;
  try {
    const ops = parse(query).definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    return (
      ops.length === 1 &&
      ops[0].operation === 'mutation' &&
      ops[0].selectionSet.selections.every((sel) => sel.kind === Kind.FIELD && KEYGEN_FIELDS.has(sel.name.value))
    );
  } catch {
    return false;
  }
}

type RegionCall = { ok: true; body: SubgraphAnswer['body'] } | { ok: false; retryAfter: number };

/**
 * The `kms` subgraph runs once per region. Root fields go to the KMS of the request's region;
 * `_entities` fetches (e.g. `Secret.kmsKey`) are split by each representation's `region`, sent to
 * the regions in parallel and merged back in order. A region with no endpoint, refusing, resetting,
 * timing out or behind an open circuit gives REGION_UNAVAILABLE for its part only.
 */
export class RegionalKmsDataSource implements GraphQLDataSource<GatewayContext> {
  constructor(
    private readonly regions: RegionRegistry,
    private readonly circuits: RegionCircuits,
    private readonly transport: SubgraphTransport,
    private readonly internalSecret: string,
    private readonly keygenTimeoutMs?: number,
  ) {}

  async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayResponse> {
    const ctx = options.context as Partial<GatewayContext> | undefined;
    const requestRegion = ctx?.region ?? this.regions.defaultRegion;
    const representations = options.request.variables?.representations;
    if (Array.isArray(representations) && /\b_entities\b/.test(options.request.query ?? '')) {
      return this.processEntities(options, ctx, requestRegion, representations);
    }
    const keygen = this.keygenTimeoutMs !== undefined && isKeygenOperation(options.request.query ?? '');
    const call = await this.call(requestRegion, payloadOf(options.request), ctx, keygen ? this.keygenTimeoutMs : undefined);
    if (call.ok) return call.body;
    return { errors: [asResponseError(regionUnavailable(requestRegion, call.retryAfter))] };
  }

  private async processEntities(
    options: GraphQLDataSourceProcessOptions<GatewayContext>,
    ctx: Partial<GatewayContext> | undefined,
    requestRegion: string,
    representations: unknown[],
  ): Promise<GatewayResponse> {
    const { batches } = splitByRegion(representations, requestRegion, (r) => this.regions.has(r));
    const results = await Promise.all(
      batches.map(async (batch): Promise<BatchResult> => {
        const variables = { ...options.request.variables, representations: batch.representations };
        const call = await this.call(batch.region, payloadOf(options.request, variables), ctx);
        if (!call.ok) {
          const err = regionUnavailable(batch.region, call.retryAfter);
          return { ok: false, errorFor: (path) => asResponseError(err, path) };
        }
        const entities = call.body.data?._entities;
        return { ok: true, entities: Array.isArray(entities) ? entities : null, errors: call.body.errors };
      }),
    );
    const merged = mergeBatches(representations.length, batches, results);
    return merged.errors.length > 0 ? { data: { _entities: merged._entities }, errors: merged.errors } : { data: { _entities: merged._entities } };
  }

  /** One fetch to one region's KMS, through that region's circuit breaker. */
  private async call(region: string, payload: string, ctx: Partial<GatewayContext> | undefined, timeoutMs?: number): Promise<RegionCall> {
    const url = this.regions.get(region)?.kmsUrl;
    const breaker = this.circuits.get(region);
    if (!url || !breaker) return { ok: false, retryAfter: NO_ENDPOINT_RETRY_AFTER_S };
    // The request's time is used up (an earlier fetch of its plan took it): not the region's fault.
    const budget = fetchBudget(ctx, timeoutMs ?? this.transport.opts.timeoutMs);
    if (budget <= 0) return { ok: false, retryAfter: 1 };
    if (!breaker.canRequest()) return { ok: false, retryAfter: breaker.retryAfterSeconds() };
    // A long deadline only for a region that is alive now: a hung one still fails within the short one.
    if (timeoutMs !== undefined && !(await this.transport.alive(url))) {
      breaker.failure();
      return { ok: false, retryAfter: breaker.retryAfterSeconds() };
    }
    let outcome;
    try {
      outcome = await this.transport.post(url, payload, forwardedHeaders(ctx, this.internalSecret, region), fetchBudget(ctx, budget));
    } catch {
      outcome = { kind: 'unreachable' as const, reason: 'network' as const };
    }
    if (outcome.kind === 'answer') {
      // Any GraphQL answer (even an error status) means the region's KMS is up.
      breaker.success();
      return { ok: true, body: outcome.body };
    }
    // A key generation that outlasted its own (long) deadline after the region answered its
    // health check was slow for this request (an RSA-4096 key, a busy project): it says nothing
    // about the region, so one tenant's slow creates cannot open the circuit for everyone.
    if (timeoutMs !== undefined && outcome.reason === 'timeout') {
      breaker.inconclusive();
      return { ok: false, retryAfter: SLOW_KEYGEN_RETRY_AFTER_S };
    }
    breaker.failure();
    return { ok: false, retryAfter: breaker.retryAfterSeconds() };
  }
}
