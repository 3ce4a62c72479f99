import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { CircuitBreaker } from '../../shared/circuitBreaker';
import { ApiError } from '../../shared/errors';
import type { SubgraphTransport } from '../../shared/subgraphTransport';
import { fetchBudget, forwardedHeaders, type GatewayContext } from '../context';

export type GatewayResponse = Awaited<ReturnType<GraphQLDataSource['process']>>;

/** The body of a subgraph fetch as the gateway planned it. */
export function payloadOf(request: GraphQLDataSourceProcessOptions['request'], variables = request.variables): string {
  return JSON.stringify({ query: request.query, operationName: request.operationName, variables });
}

/** A formatted error for the gateway's response, from one of our ApiErrors. */
export function asResponseError(err: ApiError, path?: (string | number)[]) {
  return path ? { message: err.message, path, extensions: { ...err.extensions } } : { message: err.message, extensions: { ...err.extensions } };
}

/**
 * Data source of a global subgraph (platform, secrets). A subgraph's own error answers (401, 403,
 * 503 … with a GraphQL body) pass through with their codes; a subgraph that cannot be reached
 * (refused, reset, killed mid-answer, timed out, not GraphQL) becomes SERVICE_UNAVAILABLE (503)
 * with a Retry-After, never a 200 INTERNAL_SERVER_ERROR. Like a region, each subgraph has a circuit
 * breaker: once it is open, requests fail at once instead of each waiting out the timeout.
 */
export class SubgraphDataSource implements GraphQLDataSource<GatewayContext> {
  constructor(
    readonly name: string,
    readonly url: string,
    private readonly transport: SubgraphTransport,
    private readonly internalSecret: string,
    readonly breaker: CircuitBreaker = new CircuitBreaker(),
  ) {}

  async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayResponse> {
    const ctx = options.context as Partial<GatewayContext> | undefined;
    // The request's time is used up (an earlier fetch of its plan took it): not the subgraph's fault.
    const budget = fetchBudget(ctx, this.transport.opts.timeoutMs);
    if (budget <= 0) return this.unavailable();
    if (!this.breaker.canRequest()) return this.unavailable();
    const outcome = await this.transport.post(this.url, payloadOf(options.request), forwardedHeaders(ctx, this.internalSecret), budget);
    if (outcome.kind === 'answer') {
      // Any GraphQL answer (even an error status) means the subgraph is up.
      this.breaker.success();
      return outcome.body;
    }
    this.breaker.failure();
    return this.unavailable();
  }

  private unavailable(): GatewayResponse {
    const err = new ApiError('SERVICE_UNAVAILABLE', `The ${this.name} service is unavailable`, { retryAfter: this.breaker.retryAfterSeconds() });
    return { errors: [asResponseError(err)] };
  }
}
