import type { RequestServices } from './services';
import { actorOf, hasScope, pathAllowed, type Principal } from './principal';
import type { AuditAction, AuditEventInput, AuditOutcome } from './audit';

type AuditExtra = { errorCode?: string | null; keyVersion?: number | null; region?: string | null; project?: string; count?: number | null };
import type { Feature, Scope } from './scopes';
import { ApiError, featureDisabled, forbidden, toApiError, pathForbidden } from './errors';
import type { Outcome } from './auditFlow';
import type { FeatureGateState } from './featureGates';
import { pageCursors, type BoundCursor, type CursorFilter } from './cursor';

/**
 * Everything a resolver knows about the request: who, where, which request id, and the
 * request-scoped helpers that enforce scopes and gates and write audit events.
 */
export class RequestContext {
  private gatesPromise: Promise<FeatureGateState> | null = null;
  /** Per-request caches (DataLoaders etc.) keyed by name. */
  readonly loaders = new Map<string, unknown>();
  /** What resolvers may read from the process: its name and config, never Redis or a store. */
  readonly services: Pick<RequestServices, 'name' | 'config'>;
  private readonly auditFlow: RequestServices['auditFlow'];
  private readonly gates: RequestServices['gates'];
  /**
   * This request's denials, not yet written: one event per error code (and region, see deny),
   * naming the first resource refused and counting them all, so repeating a denial (aliases, batch
   * items) cannot flood the log. Written by writeDenials before the response leaves (fail closed).
   */
  private readonly denials = new Map<string, { code: string; resource: string; count: number; region?: string }>();

  constructor(
    services: RequestServices,
    readonly requestId: string,
    readonly region: string,
    readonly principal: Principal,
    /** Set when a peer service (e.g. `secrets`) acts on the principal's behalf. */
    readonly via: string | null = null,
    /** Time (ms since epoch) after which the caller no longer waits for the answer; null = none announced. */
    readonly deadline: number | null = null,
  ) {
    this.services = { name: services.name, config: services.config };
    this.auditFlow = services.auditFlow;
    this.gates = services.gates;
  }

  /**
   * Called right before a change commits: past the caller's deadline the caller has already been
   * answered "unavailable", so the change must not happen (a 503 then means nothing changed).
   */
  assertBeforeDeadline(unavailable: () => ApiError): void {
    if (this.deadline !== null && Date.now() >= this.deadline) throw unavailable();
  }

  get project(): string {
    return this.principal.project;
  }

  get actor(): string {
    return actorOf(this.principal);
  }

  loader<T>(name: string, make: () => T): T {
    let l = this.loaders.get(name) as T | undefined;
    if (!l) {
      l = make();
      this.loaders.set(name, l);
    }
    return l;
  }

  private event(action: AuditAction, resource: string, outcome: AuditOutcome, extra: AuditExtra): AuditEventInput {
    return {
      action,
      outcome,
      actor: this.actor,
      via: this.via,
      project: extra.project ?? this.project,
      region: extra.region === undefined ? this.region : extra.region,
      resource,
      requestId: this.requestId,
      errorCode: extra.errorCode ?? null,
      keyVersion: extra.keyVersion ?? null,
      count: extra.count ?? null,
    };
  }

  /** Writes an audit event in the caller's project. Awaited: if it fails, the operation fails. */
  audit(action: AuditAction, resource: string, outcome: AuditOutcome = 'SUCCESS', extra: AuditExtra = {}): Promise<void> {
    return this.auditFlow.record(this.event(action, resource, outcome, extra));
  }

  /** Many events in the caller's project as one append (a batch's items); awaited like `audit`. */
  auditMany(events: { action: AuditAction; resource: string; outcome: AuditOutcome; extra?: AuditExtra }[]): Promise<void> {
    return this.auditFlow.recordMany(events.map((e) => this.event(e.action, e.resource, e.outcome, e.extra ?? {})));
  }

  /** A state change under a write-ahead audit intent (shared/auditFlow.ts). */
  auditedChange<T>(
    action: AuditAction,
    resource: string,
    op: () => Promise<Outcome<T>>,
    extra: { region?: string | null; project?: string } = {},
  ): Promise<T> {
    const where: AuditExtra = { ...(extra.region ? { region: extra.region } : {}), ...(extra.project ? { project: extra.project } : {}) };
    return this.auditFlow.change(this.event(action, resource, 'SUCCESS', where), op);
  }

  /** An operation whose result leaves only after its audit event (shared/auditFlow.ts). */
  audited<T>(action: AuditAction, resource: string, op: () => Promise<Outcome<T>>, extra: { region?: string | null } = {}): Promise<T> {
    return this.auditFlow.read(this.event(action, resource, 'SUCCESS', extra.region ? { region: extra.region } : {}), op);
  }

  /**
   * Records a denial (written with the request's others, see writeDenials), then throws it.
   * `region`: the denial is recorded in that region rather than the request's (one event per region).
   */
  async deny(error: ApiError, resource: string, region?: string): Promise<never> {
    this.recordDenial(error, resource, region);
    throw error;
  }

  /** Records a denial that is answered without throwing (a batch item refused on its own). */
  recordDenial(error: ApiError, resource: string, region?: string): void {
    const code = String(error.code);
    const key = region === undefined ? code : `${code}\u0000${region}`;
    const seen = this.denials.get(key);
    if (seen) seen.count++;
    else this.denials.set(key, { code, resource, count: 1, region });
  }

  /**
   * Writes the request's `auth.denied` events, once it has run and before its response leaves; if
   * they cannot be written the response must not leave (the server answers STORE_UNAVAILABLE).
   */
  async writeDenials(): Promise<void> {
    const pending = [...this.denials];
    this.denials.clear();
    await Promise.all(pending.map(([, d]) => this.audit('auth.denied', d.resource, 'DENIED', { errorCode: d.code, count: d.count, region: d.region })));
  }

  async requireScope(resource: string, ...scopes: Scope[]): Promise<void> {
    const denial = this.scopeDenial(scopes);
    if (denial) await this.deny(denial, resource);
  }

  private scopeDenial(scopes: Scope[]): ApiError | null {
    const missing = scopes.filter((s) => !hasScope(this.principal, s));
    return missing.length > 0 ? forbidden(`Token lacks the scope ${missing.map((s) => `"${s}"`).join(' and ')}`) : null;
  }

  /**
   * requireFeature then requireScope for a resource of `region` that this service reads on the
   * caller's behalf from that region's service: the same checks, errors and denial events (in that
   * region, one per region and code) as that service's own check would give.
   */
  async requireIn(region: string, resource: string, feature: Feature, scope: Scope): Promise<void> {
    const gates = await this.featureGates();
    if (!gates[feature]) await this.deny(featureDisabled(feature), resource, region);
    const denial = this.scopeDenial([scope]);
    if (denial) await this.deny(denial, resource, region);
  }

  /**
   * A field of a type readable only with `scope` (shared/fieldScopes.ts), whatever root field led
   * there. Null when the caller has it; else the denial, audited once per resource and request
   * however many fields ask.
   */
  fieldDenial(resourceOf: () => string, scope: Scope): Promise<never> | null {
    if (hasScope(this.principal, scope)) return null;
    const resource = resourceOf();
    return this.loader(`fieldScope:${scope}:${resource}`, () => {
      const denial = this.requireScope(resource, scope) as Promise<never>;
      // Each asking field gets the rejection; this one only keeps it from counting as unhandled.
      denial.catch(() => undefined);
      return denial;
    });
  }

  /** The cursor codec of one listing with this filter, for this caller (shared/cursor.ts). */
  pageCursor(listing: string, filter: CursorFilter = {}): BoundCursor {
    return pageCursors(this.services.config.internalSecret).bind({ listing, filter, project: this.project, tokenId: this.principal.tokenId });
  }

  async requirePath(path: string, resource = `secret:${path}`): Promise<void> {
    if (!pathAllowed(this.principal, path)) {
      await this.deny(pathForbidden(), resource);
    }
  }

  featureGates(): Promise<FeatureGateState> {
    if (!this.gatesPromise) this.primeFeatureGates(this.gates.get(this.project));
    return this.gatesPromise!;
  }

  /** The caller's gates as read for this request (read beside the rate-limit check, say); a failed read is read again when asked. */
  primeFeatureGates(read: Promise<FeatureGateState>): void {
    const p = read.catch((err) => {
      if (this.gatesPromise === p) this.gatesPromise = null;
      throw toApiError(err);
    });
    // Nobody may ask for them: a failed read must not count as unhandled.
    p.catch(() => undefined);
    this.gatesPromise = p;
  }

  async requireFeature(resource: string, ...features: Feature[]): Promise<void> {
    const gates = await this.featureGates();
    for (const f of features) {
      if (!gates[f]) await this.deny(featureDisabled(f), resource);
    }
  }
}
