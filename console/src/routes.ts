/** Hash routes: #/secrets, #/secret/<path>, #/keys, #/audit?resource=… */
export function secretHref(path: string): string {
  return `#/secret/${encodeURIComponent(path)}`;
}

export function auditHref(filter: { resource?: string; actor?: string; requestId?: string }): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(filter)) if (v) q.set(k, v);
  return `#/audit?${q.toString()}`;
}

export function keyResource(region: string, identity: string): string {
  return `kms-key:${region}/${identity}`;
}
