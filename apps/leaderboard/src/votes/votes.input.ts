import { BodyReader } from '../http/body.js';
import { VOTE_VALUES, type VoteValue } from './vote.js';

export interface NewVote {
  agent_id: number;
  voter: string;
  value: VoteValue;
}

/** POST /votes: `{ agent_id, voter, value }`, value being 1 or -1. */
export function readVote(body: unknown): NewVote {
  const reader = new BodyReader(body, ['agent_id', 'voter', 'value']);
  return {
    agent_id: reader.required('agent_id', reader.id('agent_id')),
    voter: reader.required('voter', reader.string('voter', 100)),
    value: reader.required('value', reader.oneOf('value', VOTE_VALUES)),
  };
}
