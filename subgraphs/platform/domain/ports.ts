import type { AuditEvent, AuditFilter } from '../../../shared/audit';
import type { FeatureGateState } from '../../../shared/featureGates';
import type { Feature } from '../../../shared/scopes';
import type { TokenRecord } from '../../../shared/tokens';
import type { TokenGrant } from './tokenPolicy';

export type { TokenRecord };

/**
 * What the platform domain needs from storage, declared here so its rules run against any
 * implementation: the Redis stores in ../store in the service, in-memory ones in unit tests.
 */

/** API token records; a token's value is returned once, at creation, and never stored. */
export interface TokenRecords {
  /** A fresh token id, chosen before the token exists so its audit intent can name it. */
  newId(): string;
  create(grant: TokenGrant, id: string): Promise<{ token: string; record: TokenRecord }>;
  get(id: string): Promise<TokenRecord | null>;
  /** Newest first, revoked ones included; with `limit`, at most that many. */
  list(project: string, limit?: number): Promise<TokenRecord[]>;
  /** False if `project` has no token `id`. */
  revoke(project: string, id: string): Promise<boolean>;
}

/** Per-project feature gates. */
export interface GateSettings {
  get(project: string): Promise<FeatureGateState>;
  set(project: string, feature: Feature, enabled: boolean): Promise<FeatureGateState>;
}

export interface AuditPage {
  events: AuditEvent[];
  /** The raw position of the last event (the store's own cursor), null on an empty page. */
  endCursor: string | null;
  hasNextPage: boolean;
}

/** The project's audit log, read newest first. */
export interface AuditQueries {
  /** Publishes changes whose event never settled as OUTCOME_UNKNOWN, so they are not missing. */
  recoverStale(project: string): Promise<number>;
  query(project: string, filter: AuditFilter, first: number, after: string | null): Promise<AuditPage>;
}

/** The platform's clock (tests move it). */
export type Clock = () => Date;

export interface PlatformPorts {
  tokens: TokenRecords;
  gates: GateSettings;
  audit: AuditQueries;
  now: Clock;
}
