/** Every scope of API.md. `*` (root token) stands for all of them. */
export const SCOPES = [
  'kms:read',
  'kms:encrypt',
  'kms:decrypt',
  'kms:sign',
  'kms:admin',
  'secrets:read',
  'secrets:read_value',
  'secrets:write',
  'audit:read',
  'admin',
] as const;
export type Scope = (typeof SCOPES)[number];

export function isScope(s: string): s is Scope {
  return (SCOPES as readonly string[]).includes(s);
}

export const FEATURES = ['secrets', 'kms'] as const;
export type Feature = (typeof FEATURES)[number];
export function isFeature(s: string): s is Feature {
  return (FEATURES as readonly string[]).includes(s);
}
