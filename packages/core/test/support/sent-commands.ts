import type { Command } from 'ioredis';
import type { RemoteTier } from '../../src/tiers/remote-tier.js';

/** A `wrapRemote` hook that records, in `sent`, the name of every command the tier's client sends. */
export function recordingCommands(sent: string[]): (tier: RemoteTier) => RemoteTier {
  return (tier) => {
    const client = tier.client;
    const send = client.sendCommand.bind(client);
    client.sendCommand = ((command: Command, ...rest: unknown[]) => {
      sent.push(command.name.toLowerCase());
      return (send as (...args: unknown[]) => unknown)(command, ...rest);
    }) as typeof client.sendCommand;
    return tier;
  };
}
