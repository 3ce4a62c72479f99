/**
 * Associated data sent to KMS with every secret encrypt/decrypt. It binds the ciphertext to the
 * project, the path, the version number and the incarnation (uid) of the secret, so a ciphertext
 * copied into another secret, another version, or a secret recreated at the same path fails to
 * decrypt (INVALID_CIPHERTEXT). NUL separators are unambiguous: none of the parts can hold a NUL.
 */
export const ASSOCIATED_DATA_CONTEXT = 'secrets/v1';

export function secretAssociatedData(project: string, path: string, version: number, uid: string): Buffer {
  return Buffer.from([ASSOCIATED_DATA_CONTEXT, project, path, String(version), uid].join('\0'), 'utf8');
}

/** Standard base64, as KMS takes it. */
export function secretAssociatedDataB64(project: string, path: string, version: number, uid: string): string {
  return secretAssociatedData(project, path, version, uid).toString('base64');
}
