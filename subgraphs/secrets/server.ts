import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { KmsClient } from '../../shared/kmsClient';
import type { Services } from '../../shared/services';
import { buildFederatedSchema, startSubgraph, type RunningService } from '../../shared/subgraphServer';
import { SecretAccess } from './domain/secretAccess';
import { SecretsManager } from './domain/secretsManager';
import { SecretStore } from './store/secretStore';
import { KmsKeyBindingsResolver } from './graphql/kmsKey.resolver';
import { SecretMutationsResolver } from './graphql/mutations.resolver';
import { kmsKeyReference, secretReference } from './graphql/references';
import { SecretsResolver } from './graphql/secrets.resolver';
import type { SecretsDeps } from './graphql/secretsRequest';
import { ValuesResolver } from './graphql/values.resolver';

const RESOLVERS = [SecretsResolver, ValuesResolver, SecretMutationsResolver, KmsKeyBindingsResolver] as const;

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
    { KmsKey: kmsKeyReference(d), Secret: secretReference(d) },
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
  const kms = opts.kms ?? new KmsClient(services.config);
  const store = new SecretStore(services.redis, { now: services.now });
  const manager = new SecretsManager(store, kms, services.config.regions, { kmsBudgetMs: services.config.kmsTimeoutMs });
  const access = new SecretAccess(store, services.now, {
    // Only the error's name: the reveal is recorded by the next one, and no paths reach the log.
    onError: (err) => services.log.warn('could not record a secret reveal', { err: err instanceof Error ? err.name : 'unknown' }),
  });
  const schema = await buildSecretsSchema({ manager, store, access });
  const running = await startSubgraph({ name: 'secrets', schema, services, port: opts.port, host: opts.host });
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
