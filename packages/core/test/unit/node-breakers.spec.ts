import { CommandTimeout, NodeBreakers } from '../../src/tiers/node-breakers.js';

const breakerOptions = { failureThreshold: 5, openMs: 100, maxOpenMs: 1_000 };

/** Breakers whose hooks count what they are told; nothing here talks to Redis. */
function breakers(timeoutMs: number) {
  const told = { answered: 0, opened: 0 };
  const nodes = new NodeBreakers(breakerOptions, timeoutMs, {
    probe: () => new Promise<void>(() => undefined),
    ready: () => true,
    servesSlots: () => true,
    opened: () => void told.opened++,
    closed: () => undefined,
    answered: () => void told.answered++,
  });
  return { nodes, told };
}

describe('NodeBreakers.run', () => {
  it('answers with the call’s value, and counts it as the node’s answer', async () => {
    const { nodes, told } = breakers(1_000);
    try {
      await expect(nodes.run('a', async () => 'value', () => 'failed')).resolves.toBe('value');
      expect(told.answered).toBe(1);
    } finally {
      nodes.close();
    }
  });

  it('hands a failure to `failed` once, and what it makes of it is the answer', async () => {
    const { nodes, told } = breakers(1_000);
    const failures: unknown[] = [];
    try {
      const answer = nodes.run('a', () => Promise.reject(new Error('refused')), (error) => (failures.push(error), 'skipped'));
      await expect(answer).resolves.toBe('skipped');
      expect(failures).toEqual([new Error('refused')]);
      expect(told.answered).toBe(0);
    } finally {
      nodes.close();
    }
  });

  it('a call given up on at its timeout stays given up on: its late answer is neither returned nor counted', async () => {
    const { nodes, told } = breakers(20);
    const failures: unknown[] = [];
    let answerLate!: (value: string) => void;
    try {
      const answer = nodes.run('a', () => new Promise<string>((resolve) => (answerLate = resolve)), (error) => (failures.push(error), 'timed out'));
      await expect(answer).resolves.toBe('timed out');
      expect(failures).toHaveLength(1);
      expect(failures[0]).toBeInstanceOf(CommandTimeout);
      answerLate('late');
      await new Promise((resolve) => setImmediate(resolve));
      expect(told.answered).toBe(0);
      expect(failures).toHaveLength(1);
    } finally {
      nodes.close();
    }
  });
});

describe('NodeBreakers after a failover', () => {
  it('drops the breaker of a node that no longer serves slots as soon as asked, not at its next probe', async () => {
    let serves = true;
    const closed: string[] = [];
    const nodes = new NodeBreakers(breakerOptions, 1_000, {
      probe: () => Promise.reject(new Error('refused')),
      ready: () => true,
      servesSlots: () => serves,
      opened: () => undefined,
      closed: (node) => void closed.push(node),
      answered: () => undefined,
    });
    try {
      for (let i = 0; i < breakerOptions.failureThreshold; i++) await nodes.failed('a', new Error('refused'));
      expect(nodes.openNodes().map(({ node }) => node)).toEqual(['a']);
      // The replica took over: the old master's address serves nothing, while its probe backs off.
      serves = false;
      expect([nodes.anyOpen, nodes.isOpen('a'), nodes.openNodes()]).toEqual([false, false, []]);
      expect(closed).toEqual(['a']);
      await new Promise((resolve) => setTimeout(resolve, 3 * breakerOptions.openMs));
      expect(closed).toEqual(['a']);
    } finally {
      nodes.close();
    }
  });
});
