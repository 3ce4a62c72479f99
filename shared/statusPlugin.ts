import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import Negotiator from 'negotiator';
import { httpStatusFor } from './errors';

// The media types Apollo Server offers for a single result, in its order (ApolloServer.ts,
// chooseContentTypeForSingleResultResponse): negotiating over the same list picks the same answer.
const APPLICATION_JSON = 'application/json; charset=utf-8';
const GRAPHQL_RESPONSE_JSON = 'application/graphql-response+json; charset=utf-8';
const JSON_CALLBACK = 'application/json; callbackSpec=1.0; charset=utf-8';

/** Whether Apollo Server will answer this `accept` with application/graphql-response+json. */
export function answersGraphQLResponseJson(accept: string | undefined): boolean {
  if (!accept) return false;
  const known = negotiated.get(accept);
  if (known !== undefined) return known;
  const answer = new Negotiator({ headers: { accept } }).mediaType([APPLICATION_JSON, GRAPHQL_RESPONSE_JSON, JSON_CALLBACK]) === GRAPHQL_RESPONSE_JSON;
  // Clients send a handful of distinct accept headers: remember them (bounded, so junk cannot grow it).
  if (negotiated.size >= MAX_NEGOTIATED) negotiated.clear();
  negotiated.set(accept, answer);
  return answer;
}

const MAX_NEGOTIATED = 256;
/** The answer of answersGraphQLResponseJson per accept header (it depends on the header alone). */
const negotiated = new Map<string, boolean>();

/**
 * API.md's status rule: when the operation produced no data (data null, or every root field null)
 * the HTTP status is the first error's; REGION_UNAVAILABLE, SERVICE_UNAVAILABLE and RATE_LIMITED add Retry-After
 * (`extensions.retryAfter`, seconds). With partial data: 200.
 * A client that asks for application/graphql-response+json gets the GraphQL-over-HTTP rule
 * instead: `data` present and not null is 200, whatever its errors' codes.
 */
export function statusPlugin<T extends BaseContext>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ request, response }) {
          if (response.body.kind !== 'single') return;
          const { errors, data } = response.body.singleResult;
          if (data !== null && data !== undefined && answersGraphQLResponseJson(request.http?.headers.get('accept'))) {
            response.http.status = 200;
            return;
          }
          if (!errors || errors.length === 0) return;
          const noData = data === null || data === undefined || Object.values(data).every((v) => v === null);
          if (!noData) return;
          const first = errors[0];
          const code = first.extensions?.code;
          const status = httpStatusFor(code);
          response.http.status = status;
          if (code === 'REGION_UNAVAILABLE' || code === 'SERVICE_UNAVAILABLE' || code === 'RATE_LIMITED') {
            const ra = Number(first.extensions?.retryAfter);
            response.http.headers.set('retry-after', String(Number.isFinite(ra) && ra > 0 ? Math.ceil(ra) : code === 'RATE_LIMITED' ? 60 : 5));
          }
        },
      };
    },
  };
}
