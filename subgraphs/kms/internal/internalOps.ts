import { AuditNotWritten } from '../../../shared/auditFlow';
import type { RequestContext } from '../../../shared/context';
import { badInput, httpStatusFor, toApiError } from '../../../shared/errors';
import type { Logger } from '../../../shared/log';
import { INTERNAL_KMS_PATHS, type InternalKmsOperation } from '../../../shared/onBehalfOf';
import { redactForCode } from '../../../shared/redact';
import type { InternalRoutes } from '../../../shared/subgraphServer';
import type { KeyRingService } from '../domain/keyRingService';
import type { BatchItemOutcome } from '../domain/operations/encrypt';
import { BatchResolver } from '../graphql/batch.resolver';
import { EncryptResolver } from '../graphql/encrypt.resolver';
import { DecryptBatchArgs } from '../graphql/types/args';
import { DecryptBatchItemInput, DecryptInput, EncryptInput } from '../graphql/types/inputs';
import type { BatchItemResult } from '../graphql/types/results';
import { keyStatuses } from './keyStatuses';

/**
 * The secrets service's hot KMS operations without a GraphQL parse, validation and execution per
 * call: `POST /internal/v1/{encrypt,decrypt,decryptBatch,keyStatuses}` with the operation's variables as JSON.
 * Only on behalf of a caller (shared/subgraphServer.ts refuses these paths without an authentic,
 * single-use on-behalf-of assertion for exactly this operation, after the internal secret). They
 * run the very resolver methods the GraphQL mutations run — same gate and scope checks, same key
 * state read, same `ctx.audited` event — so there is one implementation and one audit path. The
 * answer has the GraphQL response shape (`data.<field>` or `errors[0]` with its code), so the KMS
 * client reads both the same way.
 */
const OPERATIONS: Record<string, InternalKmsOperation> = Object.fromEntries(
  Object.entries(INTERNAL_KMS_PATHS).map(([op, path]) => [path, op as InternalKmsOperation]),
);

/** GraphQL's input coercion, by hand: a required string, an optional (nullable) string, at most this many batch items. */
const MAX_ITEMS = 1000;
function str(v: unknown, field: string): string {
  if (typeof v !== 'string') throw badInput(`${field} must be a string`, { field });
  return v;
}
function optStr(v: unknown, field: string): string | null {
  return v === undefined || v === null ? null : str(v, field);
}
function obj(v: unknown, field: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw badInput(`${field} must be an object`, { field });
  return v as Record<string, unknown>;
}

/**
 * decryptBatch with `plaintextEncoding: "utf8"` (the secrets service, whose values are UTF-8 text):
 * each plaintext as `plaintextUtf8` text rather than `plaintext` base64 — a quarter fewer bytes,
 * and no base64 in the answer's JSON on either side. A different field name, so a client that
 * asked and an answer that ignored the ask (an older KMS) cannot be mistaken for each other.
 * Invalid UTF-8 becomes U+FFFD, as the secrets service's own decoding of the bytes did. Made from
 * the plaintext's bytes: no base64 is encoded to be decoded again.
 */
function asText(o: BatchItemOutcome): Omit<BatchItemResult, 'plaintext'> & { plaintextUtf8: string | null } {
  return { index: o.index, ciphertext: o.ciphertext, keyVersion: o.keyVersion, error: o.error, plaintextUtf8: o.plaintext ? o.plaintext.toString('utf8') : null };
}

export function kmsInternalRoutes(kms: KeyRingService, log: Logger): InternalRoutes {
  const encryptResolver = new EncryptResolver(kms);
  const batchResolver = new BatchResolver(kms);

  const run = async (operation: InternalKmsOperation, ctx: RequestContext, vars: Record<string, unknown>): Promise<unknown> => {
    if (operation === 'encrypt') {
      const i = obj(vars.input, 'input');
      const input = Object.assign(new EncryptInput(), { keyIdentity: str(i.keyIdentity, 'keyIdentity'), plaintext: str(i.plaintext, 'plaintext'), associatedData: optStr(i.associatedData, 'associatedData') });
      return encryptResolver.encrypt(input, ctx);
    }
    if (operation === 'decrypt') {
      const i = obj(vars.input, 'input');
      const input = Object.assign(new DecryptInput(), { keyIdentity: str(i.keyIdentity, 'keyIdentity'), ciphertext: str(i.ciphertext, 'ciphertext'), associatedData: optStr(i.associatedData, 'associatedData') });
      return encryptResolver.decrypt(input, ctx);
    }
    if (operation === 'keyStatuses') return keyStatuses(kms, ctx, vars);
    if (!Array.isArray(vars.items) || vars.items.length > MAX_ITEMS) throw badInput(`items must be a list of at most ${MAX_ITEMS}`, { field: 'items' });
    const items = vars.items.map((raw) => {
      const it = obj(raw, 'items');
      return Object.assign(new DecryptBatchItemInput(), { ciphertext: str(it.ciphertext, 'ciphertext'), associatedData: optStr(it.associatedData, 'associatedData') });
    });
    const args = Object.assign(new DecryptBatchArgs(), { keyIdentity: str(vars.keyIdentity, 'keyIdentity'), items });
    return vars.plaintextEncoding === 'utf8' ? batchResolver.decryptBatchAs(args, ctx, asText) : batchResolver.decryptBatch(args, ctx);
  };

  return {
    operationOf: (path) => OPERATIONS[path] ?? null,
    async run(operation, ctx, body) {
      let result: unknown;
      let error: unknown = null;
      try {
        let vars: unknown;
        try {
          vars = JSON.parse(body);
        } catch {
          throw badInput('The body must be JSON');
        }
        result = await run(operation as InternalKmsOperation, ctx, obj(vars, 'body'));
      } catch (err) {
        error = err;
      }
      // As the GraphQL path (denialsPlugin): the request's denials are written before anything leaves, or nothing does.
      try {
        await ctx.writeDenials();
      } catch {
        error = new AuditNotWritten();
      }
      if (error === null) return { status: 200, body: { data: { [operation]: result } } };
      const safe = toApiError(error);
      const code = safe.extensions.code;
      if (code === 'INTERNAL_SERVER_ERROR') {
        // Name only, as the subgraphs' formatError: a message can quote request values.
        log.error('unhandled error', { err: error instanceof Error ? error.name : 'unknown', operation });
      }
      const message = code === 'INTERNAL_SERVER_ERROR' ? safe.message : redactForCode(code, safe.message);
      return { status: httpStatusFor(code), body: { data: null, errors: [{ message, extensions: safe.extensions }] } };
    },
  };
}
