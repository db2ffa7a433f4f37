export const AGENT_STATUSES = ['active', 'idle', 'suspended'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

export interface Agent {
  id: number;
  name: string;
  status: AgentStatus;
  /** Net votes: +1 for each up vote, -1 for each down vote. */
  reputation: number;
  created_at: Date;
  updated_at: Date;
}

export interface AgentPage {
  items: Agent[];
  /** Agents matching the filter, across all pages. */
  total: number;
  limit: number;
  offset: number;
}

export interface AgentStats {
  agent_id: number;
  reputation: number;
  tasks: {
    total: number;
    queued: number;
    running: number;
    done: number;
    failed: number;
    /** done / (done + failed); `null` until a task has finished. */
    success_rate: number | null;
  };
  votes: { up: number; down: number };
}
