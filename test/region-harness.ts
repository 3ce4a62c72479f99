/**
 * Shared setup of the region tests (not a test itself): one kms subgraph per region, each with its
 * own root key kept across restarts, and the gateway's region registry pointing at them.
 */
import { randomBytes } from 'node:crypto';
import { createServices, type Services } from '../shared/services';
import type { RunningService } from '../shared/subgraphServer';
import { startGateway, type GatewayOptions } from '../gateway/server';
import { buildKmsSchema, startKmsSubgraph } from '../subgraphs/kms/server';
import { composeSupergraph, configFor, platformForComposition, scenarioEnv, startPlatform, type Env, type StartedSubgraph, type SubgraphForComposition } from './gateway-harness';

export interface KmsRegion {
  region: string;
  port: number;
  url: string;
  services: Services;
  running: RunningService;
  /** Stops this region's KMS (the gateway keeps running). */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same root key. */
  restart(): Promise<void>;
}

export async function startKmsRegion(env: Env, region: string, port = 0): Promise<KmsRegion> {
  const rootKey = randomBytes(32);
  const start = async (p: number) => {
    const services = createServices(`kms-${region}`, configFor(env, { REGION: region }));
    const running = await startKmsSubgraph(services, { port: p, host: '127.0.0.1', rootKey, sweeper: false });
    return { services, running };
  };
  let current = await start(port);
  let up = true;
  const handle: KmsRegion = {
    region,
    port: current.running.port,
    url: current.running.url,
    services: current.services,
    running: current.running,
    async stop() {
      if (!up) return;
      up = false;
      await current.running.stop();
      current.services.redis.disconnect();
    },
    async restart() {
      if (up) return;
      current = await start(handle.port);
      handle.services = current.services;
      handle.running = current.running;
      up = true;
    },
  };
  return handle;
}

export async function kmsForComposition(url = 'http://kms.invalid/graphql'): Promise<SubgraphForComposition> {
  return { name: 'kms', url, schema: await buildKmsSchema() };
}

export interface RegionalStack {
  env: Env;
  use1: KmsRegion;
  euw1: KmsRegion;
  platform: StartedSubgraph;
  gateway: RunningService;
  stop(): Promise<void>;
}

/**
 * us-east-1 and eu-west-1 with a KMS each, ap-southeast-2 listed without one (the dev registry's
 * shape), behind one gateway. `extraSubgraphs` join the composition (test-only subgraphs).
 */
export async function startRegionalStack(
  label: string,
  opts: { gateway?: Partial<GatewayOptions>; env?: Record<string, string>; extraSubgraphs?: SubgraphForComposition[] } = {},
): Promise<RegionalStack> {
  const env = scenarioEnv(label);
  const use1 = await startKmsRegion(env, 'us-east-1');
  const euw1 = await startKmsRegion(env, 'eu-west-1');
  const platform = await startPlatform(env);
  const regions = `us-east-1=${use1.url},eu-west-1=${euw1.url},ap-southeast-2=`;
  const supergraphSdl = composeSupergraph([await platformForComposition(), await kmsForComposition(), ...(opts.extraSubgraphs ?? [])]);
  const gateway = await startGateway(configFor(env, { REGIONS: regions, DEFAULT_REGION: 'us-east-1', PLATFORM_URL: platform.running.url, ...opts.env }), {
    port: 0,
    supergraphSdl,
    ...opts.gateway,
  });
  return {
    env,
    use1,
    euw1,
    platform,
    gateway,
    async stop() {
      await gateway.stop();
      await use1.stop();
      await euw1.stop();
      await platform.stop();
    },
  };
}

export const CREATE_KEY = 'mutation($identity: String!, $type: KeyType!) { createKmsKey(input: { identity: $identity, type: $type }) { region identity type } }';
export const GET_KEY = 'query($identity: String!) { kmsKey(identity: $identity) { region identity type } }';
