import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { GraphQLSchema } from 'graphql';
import { ApiError } from '../../shared/errors';
import { ON_BEHALF_OPERATIONS, onBehalfKey, operationOfRequest, verifyAssertion, type OnBehalfOperation } from '../../shared/onBehalfOf';
import { header, HEADER, secretMatcher } from '../../shared/http';
import type { Services } from '../../shared/services';
import { buildFederatedSchema, startSubgraph, type PeerIdentity, type PeerRequest, type RunningService } from '../../shared/subgraphServer';
import { KeyRingService } from './domain/keyRingService';
import { KeyWrapper } from './domain/keyWrapper';
import { instrumentKms } from './domain/kmsMetrics';
import { Sweeper, type SweeperOptions } from './domain/sweeper';
import { KeyStore, keyMetadataMac } from './store/keyStore';
import { NonceStore } from './store/nonceStore';
import { BatchResolver, plainBatchResolvers } from './graphql/batch.resolver';
import { EncryptResolver, plainEncryptResolvers } from './graphql/encrypt.resolver';
import { ExportResolver } from './graphql/export.resolver';
import { KeyLifecycleResolver } from './graphql/keyLifecycle.resolver';
import { Idempotency } from '../../shared/idempotency';
import { kmsInternalRoutes } from './internal/internalOps';
import { kmsKeyReference } from './graphql/kmsKey.reference';
import { KmsKeyResolver } from './graphql/kmsKey.resolver';
import { MacResolver } from './graphql/mac.resolver';
import { SignResolver } from './graphql/sign.resolver';

// Order fixes the printed SDL's field order: key queries and fields, then the lifecycle mutations.
const RESOLVERS = [KmsKeyResolver, KeyLifecycleResolver, EncryptResolver, BatchResolver, SignResolver, MacResolver, ExportResolver] as const;

/**
 * The kms subgraph schema. Without a KeyRingService (schema printing) the resolvers get a
 * placeholder and are never run.
 */
export async function buildKmsSchema(kms: KeyRingService = { region: '' } as KeyRingService, idempotency?: Idempotency): Promise<GraphQLSchema> {
  const instances = new Map<unknown, unknown>();
  const container = {
    get<T>(cls: new (kms: KeyRingService, idempotency?: Idempotency) => T): T {
      if (!instances.has(cls)) instances.set(cls, new cls(kms, idempotency));
      return instances.get(cls) as T;
    },
  };
  return buildFederatedSchema(
    { resolvers: RESOLVERS as unknown as [Function, ...Function[]], container },
    {
      KmsKey: kmsKeyReference(kms),
      // The hottest mutations skip type-graphql's argument copy (see plainBatchResolvers).
      Mutation: { ...plainEncryptResolvers(container.get(EncryptResolver)), ...plainBatchResolvers(container.get(BatchResolver)) },
    },
    // KmsKey.* needs kms:read, also on a key a kms:admin mutation returns; its key stays open.
    { KmsKey: { scope: 'kms:read', open: ['region', 'identity'], resource: (k) => `kms-key:${String(k.region)}/${String(k.identity)}` } },
  );
}

/**
 * On-behalf-of: the secrets service sends a short-lived MAC'd assertion (shared/onBehalfOf.ts) for
 * exactly one operation. It is accepted once (its nonce), only for the request id it names and only
 * when the request's one root field is that operation; the principal gets that operation's scope
 * alone. A presented-but-wrong credential is refused outright (never falls back to the bearer token).
 * Refusals of an authentic assertion are audited in its project; a forged one names no project we
 * could believe.
 */
export function onBehalfOf(serviceCredential: string | null, nonces: NonceStore) {
  const key = serviceCredential === null ? null : onBehalfKey(serviceCredential);
  const credential = serviceCredential === null ? null : secretMatcher(serviceCredential);
  return async (req: IncomingMessage, services: Services, request: PeerRequest): Promise<PeerIdentity | null> => {
    const presented = header(req, HEADER.serviceCredential);
    const raw = header(req, HEADER.onBehalfOf);
    if (presented === undefined && raw === undefined) return null;
    if (key === null || credential === null || (presented !== undefined && !credential(presented))) {
      throw new ApiError('UNAUTHENTICATED', 'Invalid service credential');
    }
    const now = services.now().getTime();
    // An internal route names its operation by its path (its body is not GraphQL); /graphql by the body's one root field.
    const operation = request.internalOperation !== undefined ? internalOperationOf(request.internalOperation) : operationOfRequest(request.body);
    const result = verifyAssertion(key, raw, { requestId: request.requestId, operation }, now);
    const authentic = result.ok || 'assertion' in result ? result.assertion : null;
    // Every kms operation checks the caller's `kms` gate: read in the same round trip as the claim.
    const gates = result.ok ? services.gates.get(result.assertion.project) : undefined;
    // A replayed assertion never reads them: its failed read must not count as unhandled.
    gates?.catch(() => undefined);
    if (result.ok && (await nonces.claim(result.assertion.nonce, result.assertion.expiresAt - now))) {
      const { tokenId, project, operation } = result.assertion;
      return { principal: { tokenId, project, scopes: [ON_BEHALF_OPERATIONS[operation].scope], pathPrefixes: null, root: false }, via: 'secrets', gates };
    }
    if (authentic) {
      await services.auditFlow.record({
        action: 'auth.denied', outcome: 'DENIED', actor: authentic.tokenId, via: 'secrets', project: authentic.project, region: request.region,
        resource: `token:${authentic.tokenId}`, requestId: request.requestId, errorCode: 'UNAUTHENTICATED',
      });
    }
    throw new ApiError('UNAUTHENTICATED', `Missing, invalid, expired or replayed ${HEADER.onBehalfOf} assertion`);
  };
}

function internalOperationOf(op: string): OnBehalfOperation | null {
  return Object.prototype.hasOwnProperty.call(ON_BEHALF_OPERATIONS, op) ? (op as OnBehalfOperation) : null;
}

export interface KmsSubgraphOptions {
  port: number;
  host?: string;
  rootKey: Buffer;
  /** The root key being rotated away from (KMS_PREVIOUS_ROOT_KEY): still read, never written. */
  previousRootKey?: Buffer | null;
  /** Run the background sweeper on an interval (default true). `runOnce()` works either way. */
  sweeper?: boolean;
  sweeperOptions?: SweeperOptions;
}

export interface RunningKms extends RunningService {
  sweeper: Sweeper;
  kms: KeyRingService;
  /** The same object as `kms`, under the name older callers use. */
  keys: KeyRingService;
}

export async function startKmsSubgraph(services: Services, opts: KmsSubgraphOptions): Promise<RunningKms> {
  const region = services.config.region;
  if (!region) throw new Error('The kms subgraph needs REGION');
  if (!services.config.regions.has(region)) throw new Error(`REGION ${region} is not in the region registry`);
  const { quotas } = services.config;
  // Key metadata is signed under the region's root key: only this region's KMS can write a usable record.
  const previous = opts.previousRootKey ?? null;
  const store = new KeyStore(services.redis, keyMetadataMac(opts.rootKey), {
    maxKeys: quotas.keys,
    previousMac: previous ? keyMetadataMac(previous) : null,
    onTampered: (ref) =>
      services.auditFlow.record({
        action: 'auth.denied', outcome: 'DENIED', actor: 'kms', project: ref.project, region: ref.region,
        resource: `kms-key:${ref.region}/${ref.identity}`, requestId: `integrity-${randomUUID()}`, errorCode: 'RECORD_TAMPERED',
      }),
  });
  const kms = new KeyRingService(region, store, new KeyWrapper(opts.rootKey, previous), services.now, undefined, {
    // Only the error's name: the use is retried on the next operation, and no key names reach the log.
    onError: (err) => services.log.warn('could not record a key use', { region, err: err instanceof Error ? err.name : 'unknown' }),
  }, services.config.keygenConcurrencyPerProject, { keyVersions: quotas.keyVersions });
  instrumentKms(kms, services.metrics);
  const sweeper = new Sweeper(kms, store, services.auditFlow, services.log, opts.sweeperOptions);
  const schema = await buildKmsSchema(kms, new Idempotency(services.redis, services.config.internalSecret));
  const running = await startSubgraph({
    name: `kms-${region}`,
    schema,
    services,
    port: opts.port,
    host: opts.host,
    fixedRegion: region,
    resolvePeer: onBehalfOf(services.config.serviceCredential, new NonceStore(services.redis)),
    // Every kms operation checks the `kms` gate.
    prefetchGates: true,
    internal: kmsInternalRoutes(kms, services.log),
  });
  if (opts.sweeper !== false) sweeper.start();
  return {
    ...running,
    sweeper,
    kms,
    keys: kms,
    async stop() {
      await sweeper.stop();
      await running.stop();
    },
  };
}
