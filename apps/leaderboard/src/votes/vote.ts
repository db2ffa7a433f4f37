import type { Agent } from '../agents/agent.js';

export const VOTE_VALUES = [1, -1] as const;
export type VoteValue = (typeof VOTE_VALUES)[number];

export interface Vote {
  id: number;
  agent_id: number;
  voter: string;
  value: VoteValue;
  created_at: Date;
}

/** A recorded vote and the agent as the vote left it, reputation included. */
export interface CastVote {
  vote: Vote;
  agent: Agent;
}
