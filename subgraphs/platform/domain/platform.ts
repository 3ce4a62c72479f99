import { ApiTokens } from './apiTokens';
import { AuditSearch } from './auditSearch';
import type { PlatformPorts } from './ports';
import { ProjectGates } from './projectGates';

/** The platform domain: what its resolvers call. */
export interface Platform {
  tokens: ApiTokens;
  gates: ProjectGates;
  audit: AuditSearch;
}

export function createPlatform(ports: PlatformPorts): Platform {
  return { tokens: new ApiTokens(ports.tokens, ports.now), gates: new ProjectGates(ports.gates), audit: new AuditSearch(ports.audit) };
}
