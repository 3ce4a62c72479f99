import { CircuitBreaker } from './circuitBreaker';

describe('circuit breaker opens after repeated failures and recovers after a trial', () => {
  it('fails fast while open, lets one trial through when half-open, closes on success', () => {
    let t = 0;
    const b = new CircuitBreaker({ failureThreshold: 3, resetAfterMs: 1000, now: () => t });
    b.failure(); b.failure();
    expect(b.canRequest()).toBe(true);
    b.failure();
    expect(b.state).toBe('open');
    expect(b.canRequest()).toBe(false);
    expect(b.retryAfterSeconds()).toBe(1);
    t = 1000;
    expect(b.state).toBe('half-open');
    expect(b.canRequest()).toBe(true);
    expect(b.canRequest()).toBe(false); // only one trial at a time
    b.success();
    expect(b.state).toBe('closed');
    expect(b.canRequest()).toBe(true);
  });
  it('re-opens when the trial fails', () => {
    let t = 0;
    const b = new CircuitBreaker({ failureThreshold: 1, resetAfterMs: 500, now: () => t });
    b.failure();
    t = 600;
    expect(b.canRequest()).toBe(true);
    b.failure();
    expect(b.state).toBe('open');
    expect(b.canRequest()).toBe(false);
  });
  it('an inconclusive call counts neither way but frees the trial slot', () => {
    let t = 0;
    const b = new CircuitBreaker({ failureThreshold: 2, resetAfterMs: 500, now: () => t });
    b.failure();
    b.inconclusive();
    b.failure();
    expect(b.state).toBe('open');
    t = 600;
    expect(b.canRequest()).toBe(true);
    b.inconclusive();
    expect(b.state).toBe('half-open');
    expect(b.canRequest()).toBe(true); // the next call is the trial
    b.success();
    expect(b.state).toBe('closed');
  });

  it('tells of each transition once: closed → open, half-open → open again, back to closed', () => {
    let t = 0;
    const seen: string[] = [];
    const b = new CircuitBreaker({ failureThreshold: 2, resetAfterMs: 500, now: () => t });
    b.onTransition = (to) => seen.push(`${t}:${to}`);
    b.failure();
    b.success();
    b.failure();
    b.failure();
    t = 100;
    b.failure(); // a late failure while open restarts the wait, no new transition
    expect(b.retryAfterSeconds()).toBe(1);
    t = 700;
    expect(b.state).toBe('half-open');
    b.failure();
    t = 1300;
    b.success();
    b.success();
    expect(seen).toEqual(['0:open', '700:open', '1300:closed']);
  });
});
