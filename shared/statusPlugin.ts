import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { httpStatusFor } from './errors';

/**
 * API.md's status rule: when the operation produced no data (data null, or every root field null)
 * the HTTP status is the first error's; REGION_UNAVAILABLE adds Retry-After. With partial data: 200.
 */
export function statusPlugin<T extends BaseContext>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const { errors, data } = response.body.singleResult;
          if (!errors || errors.length === 0) return;
          const noData = data === null || data === undefined || Object.values(data).every((v) => v === null);
          if (!noData) return;
          const first = errors[0];
          const code = first.extensions?.code;
          const status = httpStatusFor(code);
          response.http.status = status;
          if (code === 'REGION_UNAVAILABLE') {
            const ra = Number(first.extensions?.retryAfter);
            response.http.headers.set('retry-after', String(Number.isFinite(ra) && ra > 0 ? ra : 5));
          }
        },
      };
    },
  };
}
