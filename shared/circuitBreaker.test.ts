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
});
