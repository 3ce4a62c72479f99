import type { ResultOf, TypedDocumentNode, VariablesOf } from '@graphql-typed-document-node/core';
import { Kind, parse, print, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import { decodeBinaryOutputs, encodeBinaryInputs, type WithBinaryInputs, type WithBinaryOutputs } from './binary';
import type { GraphQLErrorPayload } from './errors';
import { ROOT_FIELD_DOCUMENTS, type RootField, type RootFieldDocuments } from './operations';
import { execute, type CallOptions, type FetchLike, type PartialErrorInfo, type TransportOptions } from './transport';

export interface ClientOptions {
  /** The gateway's GraphQL endpoint, e.g. `http://127.0.0.1:4000/graphql`. */
  url: string;
  /** Bearer token (an API token, or the root token). */
  token: string;
  /** Sent as `x-region`; the server's default region when absent. */
  region?: string;
  /** Defaults to the global fetch (Node 20, browsers). */
  fetch?: FetchLike;
  /** Retries of a query (or an idempotent mutation) answered 503/429 with a short Retry-After. Default 2. */
  retries?: number;
  /** Longest Retry-After the client waits out, in ms; longer ones reject at once. Default 2000. */
  maxRetryWaitMs?: number;
  /** `x-request-id` for every call: a fixed id, or a function giving one per call. */
  requestId?: string | (() => string);
  /** Extra headers for every call. */
  headers?: Record<string, string>;
  /**
   * Called when a call returned data together with errors (e.g. `Secret.kmsKey` null because
   * the key's region is down); the data is returned as usual.
   */
  onPartialErrors?: (errors: GraphQLErrorPayload[], info: PartialErrorInfo) => void;
}

/** A method's argument: the field's GraphQL arguments, binary inputs as Uint8Array or UTF-8 string. */
export type MethodArgs<K extends RootField> = WithBinaryInputs<VariablesOf<RootFieldDocuments[K]>>;
/** A method's result: the field's value, binary outputs as Uint8Array. */
export type MethodResult<K extends RootField> = WithBinaryOutputs<
  ResultOf<RootFieldDocuments[K]>[K & keyof ResultOf<RootFieldDocuments[K]>]
>;

/** Methods whose every argument is optional may be called with no argument at all. */
export type ClientMethods = {
  [K in RootField]: {} extends MethodArgs<K>
    ? (args?: MethodArgs<K>, options?: CallOptions) => Promise<MethodResult<K>>
    : (args: MethodArgs<K>, options?: CallOptions) => Promise<MethodResult<K>>;
};

/** Root fields returning a connection (`{ nodes, pageInfo }`): kmsKeys, secrets, auditEvents. */
export type ConnectionField = {
  [K in RootField]: MethodResult<K> extends { nodes: unknown[]; pageInfo: unknown } ? K : never;
}[RootField];

type NodeOf<K extends ConnectionField> = MethodResult<K> extends { nodes: Array<infer N> } ? N : never;

/** `client.paginate.<field>(args)`: every node of the connection, page after page (`first` = page size). */
export type Paginators = {
  [K in ConnectionField]: (args?: Omit<MethodArgs<K>, 'after'>, options?: CallOptions) => AsyncIterableIterator<NodeOf<K>>;
};

export interface SecretsKmsClient extends ClientMethods {
  paginate: Paginators;
  /**
   * Runs any document (a TypedDocumentNode such as the exported `SecretVersionsDocument`, or a
   * string) and returns its `data` as the server sent it: no base64 conversion. Same error and
   * retry rules as the methods.
   */
  request<TData = Record<string, any>, TVariables = Record<string, unknown>>(
    document: TypedDocumentNode<TData, TVariables> | DocumentNode | string,
    variables?: TVariables,
    options?: CallOptions,
  ): Promise<TData>;
}

/** Any non-empty `idempotencyKey`, at any depth of the variables, makes a mutation safe to retry. */
export function hasIdempotencyKey(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasIdempotencyKey);
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return false;
  for (const [k, v] of Object.entries(value)) {
    if (k === 'idempotencyKey' && typeof v === 'string' && v !== '') return true;
    if (hasIdempotencyKey(v)) return true;
  }
  return false;
}

interface PreparedDocument {
  query: string;
  operationName: string | undefined;
  isMutation: boolean;
  /** The selection of the (single) root field includes `pageInfo`. */
  isConnection: boolean;
}

function prepare(document: DocumentNode | string): PreparedDocument {
  let ast: DocumentNode | undefined;
  try {
    ast = typeof document === 'string' ? parse(document) : document;
  } catch {
    // Let the server answer GRAPHQL_PARSE_FAILED; never retry what we cannot classify.
    return { query: document as string, operationName: undefined, isMutation: true, isConnection: false };
  }
  const ops = ast.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const op = ops[0];
  const root = op?.selectionSet.selections[0];
  const isConnection =
    root?.kind === Kind.FIELD && !!root.selectionSet?.selections.some((s) => s.kind === Kind.FIELD && s.name.value === 'pageInfo');
  return {
    query: typeof document === 'string' ? document : print(document),
    operationName: ops.length === 1 ? op.name?.value : undefined,
    isMutation: ops.length === 0 || ops.some((o) => o.operation !== 'query'),
    isConnection,
  };
}

/**
 * A client for the gateway: one async method per root field of the API schema
 * (`client.createKmsKey({ input })`, `client.getSecretValue({ path })`, `client.viewer()`), plus
 * `paginate` and `request`. Every failure rejects with a SecretsKmsError.
 */
export function createClient(options: ClientOptions): SecretsKmsClient {
  if (!options || typeof options.url !== 'string' || options.url === '') throw new TypeError('createClient: url is required');
  if (typeof options.token !== 'string' || options.token === '') throw new TypeError('createClient: token is required');
  const transport: TransportOptions = {
    url: options.url,
    token: options.token,
    region: options.region,
    fetch: options.fetch,
    retries: Math.max(0, options.retries ?? 2),
    maxRetryWaitMs: Math.max(0, options.maxRetryWaitMs ?? 2000),
    requestId: options.requestId,
    headers: options.headers,
    onPartialErrors: options.onPartialErrors,
  };

  const run = (prepared: PreparedDocument, variables: unknown, call?: CallOptions) =>
    execute(
      transport,
      {
        query: prepared.query,
        variables,
        operationName: prepared.operationName,
        retryable: !prepared.isMutation || hasIdempotencyKey(variables),
      },
      call,
    );

  const methods: Record<string, (args?: unknown, call?: CallOptions) => Promise<unknown>> = {};
  const paginate: Record<string, (args?: Record<string, unknown>, call?: CallOptions) => AsyncIterableIterator<unknown>> = {};
  for (const [field, document] of Object.entries(ROOT_FIELD_DOCUMENTS)) {
    const prepared = prepare(document);
    const method = async (args?: unknown, call?: CallOptions) => {
      const data = await run(prepared, encodeBinaryInputs(args ?? {}), call);
      return decodeBinaryOutputs(data[field]);
    };
    methods[field] = method;
    if (prepared.isConnection) {
      paginate[field] = async function* (args?: Record<string, unknown>, call?: CallOptions) {
        let after: string | null | undefined;
        for (;;) {
          const page = (await method({ ...args, after }, call)) as { nodes: unknown[]; pageInfo: { endCursor: string | null; hasNextPage: boolean } };
          yield* page.nodes;
          // A server that says "more" without a new cursor would loop for ever; stop instead.
          if (!page.pageInfo.hasNextPage || !page.pageInfo.endCursor || page.pageInfo.endCursor === after) return;
          after = page.pageInfo.endCursor;
        }
      };
    }
  }

  const request = async (document: DocumentNode | string, variables?: unknown, call?: CallOptions) =>
    run(prepare(document), variables ?? {}, call);

  return { ...(methods as unknown as ClientMethods), paginate: paginate as unknown as Paginators, request } as SecretsKmsClient;
}
