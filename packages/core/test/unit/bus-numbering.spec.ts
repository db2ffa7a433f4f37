import { InvalidationBus, type BusMessage } from '../../src/invalidation/bus.js';
import type { SubscriptionHandlers } from '../../src/tiers/redis-pubsub.js';
import type { RemoteTier } from '../../src/tiers/remote-tier.js';

/** A remote tier with only what the bus's constructor uses: the subscription, whose handlers we keep. */
function remoteKeeping(handlers: SubscriptionHandlers[]): RemoteTier {
  return {
    subscribe: (_channel: string, subscribed: SubscriptionHandlers) => {
      handlers.push(subscribed);
      return { subscribed: true, close: () => undefined };
    },
  } as unknown as RemoteTier;
}

/**
 * A publisher whose sends go on a wire that keeps their order, and a receiver that hears the wire.
 * `hold` keeps the next publish waiting (for a connection, say) until it is let go.
 */
function pair() {
  const wire: string[] = [];
  const heard: BusMessage[] = [];
  const resyncs: string[] = [];
  const held: (() => void)[] = [];
  let hold = false;
  let refuse = false;
  const publisher = new InvalidationBus(
    remoteKeeping([]),
    (_channel, raw) => {
      if (refuse) return Promise.resolve(false);
      if (!hold) return Promise.resolve((wire.push(raw()), true));
      return new Promise<boolean>((resolve) => held.push(() => resolve((wire.push(raw()), true))));
    },
    'bus',
    { onMessage: () => undefined, onResync: () => undefined },
  );
  const receiving: SubscriptionHandlers[] = [];
  new InvalidationBus(remoteKeeping(receiving), async () => true, 'bus', {
    onMessage: (message) => heard.push(message),
    onResync: (reason) => resyncs.push(reason),
  });
  return {
    publisher,
    wire,
    heard,
    resyncs,
    /** Delivers what is on the wire, in its order. */
    deliver: () => wire.splice(0).forEach((raw) => receiving[0]!.message(raw)),
    holdNext: () => (hold = true),
    release: () => ((hold = false), held.splice(0).forEach((go) => go())),
    refuseSends: (on: boolean) => (refuse = on),
  };
}

describe('bus message numbers', () => {
  it('numbers a publish as it leaves, so one that waited for a connection is not taken for a repeat', async () => {
    const bus = pair();
    bus.holdNext();
    const waiting = bus.publisher.publish({ op: 'pattern', pattern: 'p:*' });
    // A write script's message leaves while the publish waits.
    bus.wire.push(bus.publisher.carried(['k'])());
    bus.release();
    expect(await waiting).toBe(true);
    bus.deliver();
    expect(bus.heard).toEqual([
      { op: 'keys', keys: ['k'] },
      { op: 'pattern', pattern: 'p:*' },
    ]);
    expect(bus.resyncs).toEqual([]);
  });

  it("keeps a carried message's number when it is sent again, unless another message left in between", async () => {
    const bus = pair();
    const message = bus.publisher.carried(['a']);
    const first = message();
    // Sent again at once (the script was unknown to Redis, so the first attempt published nothing).
    expect(message()).toBe(first);
    await bus.publisher.publish({ op: 'pattern', pattern: 'p:*' });
    // After another message, the old number would read as a repeat: the resend takes the next one.
    bus.wire.push(message());
    bus.deliver();
    expect(bus.heard).toEqual([
      { op: 'pattern', pattern: 'p:*' },
      { op: 'keys', keys: ['a'] },
    ]);
  });

  it('uses up the number of a message that did not leave, so receivers see the gap and resync', async () => {
    const bus = pair();
    await bus.publisher.publish({ op: 'keys', keys: ['a'] });
    bus.refuseSends(true);
    expect(await bus.publisher.publish({ op: 'keys', keys: ['lost'] })).toBe(false);
    bus.refuseSends(false);
    await bus.publisher.publish({ op: 'keys', keys: ['b'] });
    bus.deliver();
    expect(bus.heard).toEqual([
      { op: 'keys', keys: ['a'] },
      { op: 'keys', keys: ['b'] },
    ]);
    expect(bus.resyncs).toEqual(['gap']);
  });

  it('skips a number for a write whose carried message may not have left', async () => {
    const bus = pair();
    await bus.publisher.publish({ op: 'keys', keys: ['a'] });
    bus.publisher.skip();
    await bus.publisher.publish({ op: 'keys', keys: ['b'] });
    bus.deliver();
    expect(bus.heard).toHaveLength(2);
    expect(bus.resyncs).toEqual(['gap']);
  });
});
