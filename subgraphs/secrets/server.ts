import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { KmsClient } from '../../shared/kmsClient';
import type { Services } from '../../shared/services';
import { buildFederatedSchema, startSubgraph, type RunningService } from '../../shared/subgraphServer';
import { KeyBindings } from './domain/keyBindings';
import { KeyStatusReads } from './domain/keyStatuses';
import { SecretAccess } from './domain/secretAccess';
import { SecretsManager } from './domain/secretsManager';
import { SecretStore } from './store/secretStore';
// Import order is decorator order, and so the printed schema's field order: keep it.
import { SecretResolver } from './graphql/secret.resolver';
import { KmsKeyBoundSecretsResolver } from './graphql/kmsKeyBoundSecrets.resolver';
import { SecretLifecycleResolver } from './graphql/secretLifecycle.resolver';
import { SecretValueResolver } from './graphql/secretValue.resolver';
import { Idempotency } from '../../shared/idempotency';
import { kmsKeyReference } from './graphql/kmsKey.reference';
import { secretReference } from './graphql/secret.reference';
import { plainSecretKmsKey } from './graphql/secretKmsKey';
import type { SecretsDeps } from './graphql/secretsRequest';

const RESOLVERS = [SecretResolver, SecretValueResolver, SecretLifecycleResolver, KmsKeyBoundSecretsResolver] as const;

/**
 * The secrets subgraph schema. Without dependencies (schema printing) the resolvers exist but are
 * never run.
 */
export async function buildSecretsSchema(deps?: SecretsDeps): Promise<GraphQLSchema> {
  const d = deps ?? (null as unknown as SecretsDeps);
  const instances = new Map<unknown, unknown>();
  return buildFederatedSchema(
    {
      resolvers: RESOLVERS as unknown as [Function, ...Function[]],
      container: {
        get(cls: new (deps: SecretsDeps) => unknown) {
          if (!instances.has(cls)) instances.set(cls, new cls(d));
          return instances.get(cls);
        },
      },
    },
    { KmsKey: kmsKeyReference(d), Secret: { ...secretReference(d), kmsKey: plainSecretKmsKey(d) } },
    // Secret's fields need secrets:read, also on a secret a secrets:write mutation returns; its key stays open.
    { Secret: { scope: 'secrets:read', open: ['path'], resource: (s) => `secret:${String(s.path)}` } },
  );
}

export interface SecretsSubgraphOptions {
  port: number;
  host?: string;
  /** KMS client (default: one built from the services' config, i.e. the shared region registry). */
  kms?: KmsClient;
}

/** Secrets Manager: a consumer of the regional KMS; it never sees key material. */
export async function startSecretsSubgraph(services: Services, opts: SecretsSubgraphOptions): Promise<RunningService & { kms: KmsClient; access: SecretAccess }> {
  const ownKms = !opts.kms;
  const kms = opts.kms ?? new KmsClient(services.config, { onBreaker: (region, b) => services.metrics.watchBreaker('kms-client', region, b) });
  const store = new SecretStore(services.redis, { now: services.now, quotas: services.config.quotas });
  const manager = new SecretsManager(store, kms, services.config.regions, { kmsBudgetMs: services.config.kmsTimeoutMs });
  const access = new SecretAccess(store, services.now, {
    // Only the error's name: the reveal is recorded by the next one, and no paths reach the log.
    onError: (err) => services.log.warn('could not record a secret reveal', { err: err instanceof Error ? err.name : 'unknown' }),
  });
  const bindings = new KeyBindings(store, services.config.regions, manager);
  const idempotency = new Idempotency(services.redis, services.config.internalSecret);
  const keyStatuses = new KeyStatusReads(kms, services.config.regions);
  const schema = await buildSecretsSchema({ manager, bindings, access, keyStatuses, idempotency });
  // Every secrets operation checks the `secrets` gate: read it in the rate-limit script's round trip.
  const running = await startSubgraph({ name: 'secrets', schema, services, port: opts.port, host: opts.host, prefetchGates: true });
  return {
    ...running,
    kms,
    access,
    async stop() {
      await running.stop();
      if (ownKms) kms.close();
    },
  };
}
