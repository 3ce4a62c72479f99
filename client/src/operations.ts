import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import * as doc from './generated/graphql';

/**
 * The document each client method runs: one per root field of the API schema, named after it
 * (client/operations/*.graphql). test/client-every-method-against-the-stack checks the table
 * against schema/api.graphql.
 */
export const ROOT_FIELD_DOCUMENTS = {
  // kms
  kmsKey: doc.KmsKeyDocument,
  kmsKeys: doc.KmsKeysDocument,
  createKmsKey: doc.CreateKmsKeyDocument,
  rotateKmsKey: doc.RotateKmsKeyDocument,
  updateKmsKey: doc.UpdateKmsKeyDocument,
  disableKmsKey: doc.DisableKmsKeyDocument,
  enableKmsKey: doc.EnableKmsKeyDocument,
  scheduleKmsKeyDeletion: doc.ScheduleKmsKeyDeletionDocument,
  cancelKmsKeyDeletion: doc.CancelKmsKeyDeletionDocument,
  encrypt: doc.EncryptDocument,
  decrypt: doc.DecryptDocument,
  reEncrypt: doc.ReEncryptDocument,
  generateDataKey: doc.GenerateDataKeyDocument,
  encryptBatch: doc.EncryptBatchDocument,
  decryptBatch: doc.DecryptBatchDocument,
  sign: doc.SignDocument,
  verify: doc.VerifyDocument,
  generateMac: doc.GenerateMacDocument,
  verifyMac: doc.VerifyMacDocument,
  exportKmsKey: doc.ExportKmsKeyDocument,
  // secrets
  secret: doc.SecretDocument,
  secrets: doc.SecretsDocument,
  getSecretValue: doc.GetSecretValueDocument,
  batchGetSecretValue: doc.BatchGetSecretValueDocument,
  createSecret: doc.CreateSecretDocument,
  putSecretValue: doc.PutSecretValueDocument,
  updateSecret: doc.UpdateSecretDocument,
  deleteSecret: doc.DeleteSecretDocument,
  deleteSecretVersions: doc.DeleteSecretVersionsDocument,
  undeleteSecretVersions: doc.UndeleteSecretVersionsDocument,
  destroySecretVersions: doc.DestroySecretVersionsDocument,
  // platform
  viewer: doc.ViewerDocument,
  apiTokens: doc.ApiTokensDocument,
  featureGates: doc.FeatureGatesDocument,
  auditEvents: doc.AuditEventsDocument,
  createApiToken: doc.CreateApiTokenDocument,
  revokeApiToken: doc.RevokeApiTokenDocument,
  setFeatureGate: doc.SetFeatureGateDocument,
} satisfies Record<string, TypedDocumentNode<any, any>>;

export type RootFieldDocuments = typeof ROOT_FIELD_DOCUMENTS;
/** A root field of the API schema (Query or Mutation), i.e. a client method name. */
export type RootField = keyof RootFieldDocuments;
