import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { Kind } from 'graphql';
import { ApiError } from '../../shared/errors';

/**
 * A request whose operationName names no operation of the document (or that names none while the
 * document holds several) is the client's mistake: GRAPHQL_VALIDATION_FAILED, 400. Apollo Server
 * resolves the operation before execution but leaves the refusal to the executor; the gateway's
 * executor throws a code Apollo does not know, which would surface as a 500. So the request is
 * refused here, as soon as resolution has failed and before any query plan or subgraph call.
 * The message does not repeat the name the client sent.
 */
export function operationResolutionPlugin<T extends BaseContext>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, request, document }) {
          if (operation) return;
          const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION).length;
          const message = request.operationName
            ? 'operationName does not name an operation of the document'
            : operations > 1
              ? 'The document holds several operations: operationName is required'
              : 'The document holds no operation';
          throw new ApiError('GRAPHQL_VALIDATION_FAILED', message);
        },
      };
    },
  };
}
