import { MarkStore } from '../../src/invalidation/marks.js';

describe('MarkStore with L2 (marks trusted for a while)', () => {
  it('still kills an entry by a copy of a mark it no longer trusts', () => {
    const marks = new MarkStore({ maxMarks: 100, memoryMs: 1_000 });
    marks.apply('t', 'hard', 100, 0);
    expect(marks.judge(50, ['t'], 500).verdict).toBe('dead');
    // Past its trust, the copy is a floor for the mark: marks only move forward.
    expect(marks.judge(50, ['t'], 5_000).verdict).toBe('dead');
    expect(marks.judge(150, ['t'], 5_000).verdict).toBe('unknown');
    expect(marks.judge(150, ['t'], 500).verdict).toBe('fresh');
  });

  it('keeps what a copy it no longer trusts soft-invalidated stale', () => {
    const marks = new MarkStore({ maxMarks: 100, memoryMs: 1_000 });
    marks.apply('t', 'soft', 100, 0);
    expect(marks.judge(50, ['t'], 500).verdict).toBe('stale');
    expect(marks.judge(50, ['t'], 5_000).verdict).toBe('unknown-stale');
    expect(marks.judge(150, ['t'], 5_000).verdict).toBe('unknown');
    // An entry of this process's own is stale by the mark it knows, and fresh by those it doesn't.
    expect(marks.judgeOwn(50, ['t'], 5_000).verdict).toBe('stale');
    expect(marks.judgeOwn(150, ['t', 'never-heard-of'], 5_000).verdict).toBe('fresh');
  });

  it('vouches only for entries newer than every mark it forgot for room', () => {
    const marks = new MarkStore({ maxMarks: 2, memoryMs: 60_000 });
    marks.apply('a', 'hard', 100, 0);
    marks.apply('b', 'soft', 200, 0);
    expect(marks.vouchesFor(1)).toBe(true);
    marks.apply('c', 'hard', 300, 0); // 'a' goes
    expect([marks.vouchesFor(100), marks.vouchesFor(101)]).toEqual([false, true]);
    marks.apply('d', 'hard', 400, 0); // 'b' goes
    expect([marks.vouchesFor(200), marks.vouchesFor(201)]).toEqual([false, true]);
    expect(marks.judge(150, ['a'], 1).verdict).toBe('unknown');
  });
});
