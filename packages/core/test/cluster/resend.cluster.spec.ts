import { ReplyError } from 'ioredis';
import { resendOnTopologyChange } from '../../src/tiers/redis-connection.js';
import { uniqueNamespace } from '../support/redis.js';
import { closeCluster, connectCluster } from './cluster-support.js';

describe('a command refused for a slot on the move, sent again', () => {
  it("goes to the key the caller's client means, its keyPrefix included, with array arguments flattened", async () => {
    const prefix = `${uniqueNamespace('resend')}:`;
    const prefixed = await connectCluster(undefined, { keyPrefix: prefix });
    const plain = await connectCluster();
    try {
      const refused = Promise.reject(new ReplyError('MOVED 3999 127.0.0.1:1'));
      // ioredis flattens array arguments one level, as the batched scripts send them.
      await resendOnTopologyChange(prefixed, refused, 'mset', [['{k}a', '1'], ['{k}b', '2']]);
      expect(await plain.mget(`${prefix}{k}a`, `${prefix}{k}b`)).toEqual(['1', '2']);
      expect(await plain.exists('{k}a', '{k}b')).toBe(0);
    } finally {
      await Promise.all([closeCluster(prefixed), closeCluster(plain)]);
    }
  });
});
