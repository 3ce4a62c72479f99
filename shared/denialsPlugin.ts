import type { ApolloServerPlugin } from '@apollo/server';
import { AuditNotWritten } from './auditFlow';
import type { RequestContext } from './context';

/**
 * Writes each request's denials (RequestContext.writeDenials: one `auth.denied` per error code
 * with a count) once the operation has run and before its response leaves. If they cannot be
 * written, nothing of the response leaves: it becomes STORE_UNAVAILABLE (fail closed). Runs
 * before willSendResponse, so the status rule (statusPlugin) sees the final answer.
 */
export function denialsPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async executionDidStart(request) {
          return {
            async executionDidEnd() {
              try {
                await request.contextValue.writeDenials();
              } catch {
                const e = new AuditNotWritten();
                request.response.body = { kind: 'single', singleResult: { data: null, errors: [{ message: e.message, extensions: { code: e.code } }] } };
              }
            },
          };
        },
      };
    },
  };
}
