import { todayUtc, windowOf } from './leaderboard.js';

describe('windowOf', () => {
  it('is the UTC day for daily', () => {
    expect(windowOf('daily', '2024-02-29')).toEqual({
      from: new Date('2024-02-29T00:00:00Z'),
      to: new Date('2024-03-01T00:00:00Z'),
    });
  });

  it.each([
    ['2025-06-09', '2025-06-09'], // Monday
    ['2025-06-12', '2025-06-09'], // Thursday
    ['2025-06-15', '2025-06-09'], // Sunday: still the week that began on Monday
    ['2025-01-01', '2024-12-30'], // a week across New Year
  ])('puts %s in the ISO week starting %s for weekly', (day, monday) => {
    const { from, to } = windowOf('weekly', day);
    expect(from).toEqual(new Date(`${monday}T00:00:00Z`));
    expect(to.getTime() - from.getTime()).toBe(7 * 86_400_000);
  });
});

describe('todayUtc', () => {
  it('is the UTC date, whatever the local time zone says', () => {
    expect(todayUtc(new Date('2025-06-12T23:59:59-05:00'))).toBe('2025-06-13');
  });
});
