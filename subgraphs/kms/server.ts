import 'reflect-metadata';
import type { IncomingMessage } from 'node:http';
import type { GraphQLSchema } from 'graphql';
import { ApiError } from '../../shared/errors';
import { isProjectName } from '../../shared/identifiers';
import { header, HEADER, secretEquals } from '../../shared/http';
import type { Principal } from '../../shared/principal';
import type { Services } from '../../shared/services';
import { buildFederatedSchema, startSubgraph, type RunningService } from '../../shared/subgraphServer';
import { KeyRingService } from './domain/keyRingService';
import { KeyWrapper } from './domain/keyWrapper';
import { Sweeper, type SweeperOptions } from './domain/sweeper';
import { KeyStore } from './store/keyStore';
import { BatchResolver } from './graphql/batch.resolver';
import { EncryptResolver } from './graphql/encrypt.resolver';
import { ExportResolver } from './graphql/export.resolver';
import { KeyLifecycleResolver } from './graphql/keyLifecycle.resolver';
import { kmsKeyReference } from './graphql/kmsKey.reference';
import { KmsKeyResolver } from './graphql/kmsKey.resolver';
import { MacResolver } from './graphql/mac.resolver';
import { SignResolver } from './graphql/sign.resolver';

// Order fixes the printed SDL's field order: key queries and fields, then the lifecycle mutations.
const RESOLVERS = [KmsKeyResolver, KeyLifecycleResolver, EncryptResolver, BatchResolver, SignResolver, MacResolver, ExportResolver] as const;

/** Scopes the secrets service gets when it acts for a caller: exactly what put and reveal need. */
const ON_BEHALF_SCOPES = ['kms:read', 'kms:encrypt', 'kms:decrypt'];

/**
 * The kms subgraph schema. Without a KeyRingService (schema printing) the resolvers get a
 * placeholder and are never run.
 */
export async function buildKmsSchema(kms: KeyRingService = { region: '' } as KeyRingService): Promise<GraphQLSchema> {
  const instances = new Map<unknown, unknown>();
  return buildFederatedSchema(
    {
      resolvers: RESOLVERS as unknown as [Function, ...Function[]],
      container: {
        get(cls: new (kms: KeyRingService) => unknown) {
          if (!instances.has(cls)) instances.set(cls, new cls(kms));
          return instances.get(cls);
        },
      },
    },
    { KmsKey: kmsKeyReference(kms) },
    // KmsKey.* needs kms:read, also on a key a kms:admin mutation returns; its key stays open.
    { KmsKey: { scope: 'kms:read', open: ['region', 'identity'], resource: (k) => `kms-key:${String(k.region)}/${String(k.identity)}` } },
  );
}

/**
 * On-behalf-of: the secrets service presents its service credential and the caller's identity.
 * A present-but-wrong credential is refused outright (never falls back to the bearer token).
 */
export function onBehalfOf(serviceCredential: string | null) {
  return async (req: IncomingMessage): Promise<{ principal: Principal; via: string } | null> => {
    const presented = header(req, HEADER.serviceCredential);
    if (presented === undefined) return null;
    if (serviceCredential === null || !secretEquals(presented, serviceCredential)) {
      throw new ApiError('UNAUTHENTICATED', 'Invalid service credential');
    }
    const raw = header(req, HEADER.onBehalfOf);
    let caller: { tokenId?: unknown; project?: unknown } | null = null;
    try {
      caller = raw && raw.length <= 2048 && /^[A-Za-z0-9_-]+$/.test(raw) ? JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) : null;
    } catch {
      caller = null;
    }
    // The project is checked at this edge with the one project rule, before it names any Redis key.
    if (!caller || typeof caller.tokenId !== 'string' || !caller.tokenId || caller.tokenId.length > 128 || !isProjectName(caller.project)) {
      throw new ApiError('UNAUTHENTICATED', `Missing or malformed ${HEADER.onBehalfOf} header`);
    }
    return {
      principal: { tokenId: caller.tokenId, project: caller.project, scopes: [...ON_BEHALF_SCOPES], pathPrefixes: null, root: false },
      via: 'secrets',
    };
  };
}

export interface KmsSubgraphOptions {
  port: number;
  host?: string;
  rootKey: Buffer;
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
  const store = new KeyStore(services.redis, { maxKeys: quotas.keys });
  const kms = new KeyRingService(region, store, new KeyWrapper(opts.rootKey), services.now, undefined, {
    // Only the error's name: the use is retried on the next operation, and no key names reach the log.
    onError: (err) => services.log.warn('could not record a key use', { region, err: err instanceof Error ? err.name : 'unknown' }),
  }, services.config.keygenConcurrencyPerProject, { keyVersions: quotas.keyVersions });
  const sweeper = new Sweeper(kms, store, services.auditFlow, services.log, opts.sweeperOptions);
  const schema = await buildKmsSchema(kms);
  const running = await startSubgraph({
    name: `kms-${region}`,
    schema,
    services,
    port: opts.port,
    host: opts.host,
    fixedRegion: region,
    resolvePeer: onBehalfOf(services.config.serviceCredential),
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
