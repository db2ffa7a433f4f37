import type { AgentStatus } from '../agents/agent.js';

export type Period = 'daily' | 'weekly';

export interface LeaderboardEntry {
  rank: number;
  agent_id: number;
  name: string;
  status: AgentStatus;
  /** Net votes received inside the window: what the board ranks by. */
  reputation_gained: number;
  votes_up: number;
  votes_down: number;
  /** Tasks finished as done inside the window: breaks ties. */
  tasks_done: number;
}

export interface Leaderboard {
  period: Period;
  /** The UTC window, `from` included and `to` excluded. */
  from: Date;
  to: Date;
  entries: LeaderboardEntry[];
}

const DAY_MS = 86_400_000;

/** The limit GET /leaderboards/* uses when none is given: the boards most requests read, and the warmer keeps. */
export const DEFAULT_TOP = 10;

/** Today's date in UTC, as YYYY-MM-DD. */
export function todayUtc(now = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/**
 * The UTC window a board covers for a YYYY-MM-DD day: that day for daily, its ISO week (Monday to
 * Sunday) for weekly. Calendar windows, rather than "the last 24 hours", give every day and week one
 * fixed answer that can be cached, and a past window's answer never changes.
 */
export function windowOf(period: Period, day: string): { from: Date; to: Date } {
  const start = new Date(`${day}T00:00:00Z`);
  if (period === 'daily') return { from: start, to: new Date(start.getTime() + DAY_MS) };
  const daysSinceMonday = (start.getUTCDay() + 6) % 7;
  const monday = new Date(start.getTime() - daysSinceMonday * DAY_MS);
  return { from: monday, to: new Date(monday.getTime() + 7 * DAY_MS) };
}
