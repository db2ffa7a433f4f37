import { Epochs } from '../../src/invalidation/epochs.js';
import { MarkStore } from '../../src/invalidation/marks.js';
import { Flights, type Found } from '../../src/load/flights.js';

function flights(): Flights {
  return new Flights(new Epochs(), new MarkStore({ maxMarks: 100, memoryMs: Infinity }));
}

describe('Flights.begin', () => {
  it('makes the flight joinable while its work starts, and leaves none behind when starting it throws', () => {
    const all = flights();
    let seen: unknown;
    const found: Found = { value: 1, createdAt: 1, marks: [] };
    const flight = all.begin('k', false, (started) => {
      seen = all.joinable('k');
      expect(seen).toBe(started);
      return Promise.resolve(found);
    });
    expect(seen).toBe(flight);
    all.end('k', flight);

    expect(() =>
      all.begin('k', false, () => {
        throw new Error('could not start');
      }),
    ).toThrow('could not start');
    expect(all.joinable('k')).toBeUndefined();
  });

  it('gives a caller who joins the flight its answer, and one who comes after it ended a flight of its own', async () => {
    const all = flights();
    let answer!: (found: Found) => void;
    let starts = 0;
    const start = () => {
      starts++;
      const flight = all.begin('k', true, () => new Promise<Found>((resolve) => (answer = resolve)));
      void flight.promise.then(() => all.end('k', flight));
      return flight;
    };
    const first = all.valueOf('k', start);
    const joiner = all.valueOf('k', start);
    expect(starts).toBe(1);
    answer({ value: 'v', createdAt: 1, marks: [] });
    await expect(Promise.all([first, joiner])).resolves.toEqual(['v', 'v']);
    const later = all.valueOf('k', start);
    expect(starts).toBe(2);
    answer({ value: 'w', createdAt: 2, marks: [] });
    await expect(later).resolves.toBe('w');
  });
});
