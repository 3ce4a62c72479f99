import type { Config } from '../../shared/config';
import { createServices, type Services } from '../../shared/services';
import { startKmsSubgraph } from '../../subgraphs/kms/server';
import { gqlClient, postGql } from './gql';

/**
 * One real kms subgraph on a free port, reached directly as the gateway reaches it (internal
 * secret, root token unless `token` says otherwise; null: none). For the whole stack behind the
 * gateway, see stack.ts.
 */
export type KmsHarness = Awaited<ReturnType<typeof startKmsHarness>>;

export async function startKmsHarness(config: Config, opts: { now?: () => Date; sweeper?: boolean; services?: Services } = {}) {
  const services = opts.services ?? createServices(`kms-${config.region}`, config, { now: opts.now });
  const running = await startKmsSubgraph(services, { port: 0, host: '127.0.0.1', rootKey: config.kmsRootKey as Buffer, sweeper: opts.sweeper ?? false });
  const { gql, ok } = gqlClient((query, variables, o = {}) =>
    postGql(running.url, query, variables, {
      token: o.token === undefined ? config.rootToken : o.token,
      headers: { 'x-internal-secret': config.internalSecret, ...o.headers },
    }),
  );

  return {
    config,
    services,
    running,
    url: running.url,
    sweeper: running.sweeper,
    keys: running.keys,
    gql,
    /** Data of a query that must succeed. */
    ok,
    async stop() {
      await running.stop();
      services.redis.disconnect();
    },
  };
}
