import { WaitingCalls } from '../../src/tiers/waiting-calls.js';

/** A call whose rejections are recorded. */
function call(calls: WaitingCalls, sentAt: number, rejected: string[], name = String(sentAt)) {
  return calls.add(sentAt, (error) => rejected.push(`${name}: ${error.message}`));
}

describe('WaitingCalls', () => {
  it('expires the unsettled calls made by the cutoff, oldest first, and no settled one', () => {
    const calls = new WaitingCalls();
    const rejected: string[] = [];
    call(calls, 1, rejected);
    call(calls, 2, rejected).settle();
    call(calls, 3, rejected);
    call(calls, 5, rejected);
    calls.expire(3, (sentAt) => new Error(`late since ${sentAt}`));
    expect(rejected).toEqual(['1: late since 1', '3: late since 3']);
    expect(calls.any).toBe(true);
    // An expired call is not expired (nor released) twice.
    calls.release(new Error('released'));
    expect(rejected).toEqual(['1: late since 1', '3: late since 3', '5: released']);
    expect(calls.any).toBe(false);
  });

  it('stops at the first call still in time, even with settled calls behind it', () => {
    const calls = new WaitingCalls();
    const rejected: string[] = [];
    call(calls, 10, rejected);
    call(calls, 1, rejected).settle();
    calls.expire(5, () => new Error('late'));
    expect(rejected).toEqual([]);
    expect(calls.any).toBe(true);
  });

  it('forgets settled calls once the sweep has passed them, and what a settled call held', () => {
    const calls = new WaitingCalls();
    const rejected: string[] = [];
    const waiting = Array.from({ length: 3_000 }, (_, i) => call(calls, i, rejected));
    for (const w of waiting) w.settle();
    expect(waiting.every((w) => w.reject === undefined)).toBe(true);
    calls.expire(-1, () => new Error('late'));
    expect(calls.any).toBe(false);
    expect(rejected).toEqual([]);
  });

  it('keeps the unsettled calls behind a long settled head in order', () => {
    const calls = new WaitingCalls();
    const rejected: string[] = [];
    const head = Array.from({ length: 2_000 }, (_, i) => call(calls, i, rejected));
    call(calls, 5_000, rejected, 'a');
    call(calls, 6_000, rejected, 'b');
    for (const w of head) w.settle();
    calls.expire(4_999, () => new Error('late'));
    expect(calls.any).toBe(true);
    calls.expire(5_000, () => new Error('late'));
    expect(rejected).toEqual(['a: late']);
    calls.release(new Error('released'));
    expect(rejected).toEqual(['a: late', 'b: released']);
  });
});
