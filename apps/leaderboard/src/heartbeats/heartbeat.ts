/** What a heartbeat records, queued through write-behind and flushed in batches. */
export interface Heartbeat {
  agent_id: number;
  session: string;
  /** ISO 8601. */
  last_seen: string;
}

/** GET /agents/:id/presence. */
export interface Presence {
  agent_id: number;
  last_seen: string | null;
  session: string | null;
}

/** The write-behind's name, on /health and /metrics. */
export const HEARTBEATS = 'heartbeats';

export const presenceKey = (agentId: number): string => `presence:${agentId}`;
