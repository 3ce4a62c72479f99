export { createClient, hasIdempotencyKey } from './createClient';
export type { ClientMethods, ClientOptions, ConnectionField, MethodArgs, MethodResult, Paginators, SecretsKmsClient } from './createClient';
export { API_ERROR_CODES, CLIENT_ERROR_CODES, SecretsKmsError, isSecretsKmsError } from './errors';
export type { ApiErrorCode, ClientErrorCode, ErrorCode, GraphQLErrorPayload, SecretsKmsErrorInit } from './errors';
export type { CallOptions, FetchLike, PartialErrorInfo } from './transport';
export { BINARY_INPUT_FIELDS, BINARY_OUTPUT_FIELDS } from './binary';
export type { BinaryInput, WithBinaryInputs, WithBinaryOutputs } from './binary';
export { decodeBase64, encodeBase64 } from './base64';
export { ROOT_FIELD_DOCUMENTS } from './operations';
export type { RootField } from './operations';
// Every typed document and type of client/operations/*.graphql, for `client.request(...)`.
export * from './generated/graphql';
