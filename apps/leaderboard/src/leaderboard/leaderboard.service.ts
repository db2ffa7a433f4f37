import { Injectable } from '@nestjs/common';
import { CacheTags, Cacheable } from '@tiercache/nestjs';
import { CACHES, EVENTS, KEYS, PROFILES, TAGS } from '../cache/cache-policy.js';
import { Database } from '../db/database.js';
import { windowOf, type Leaderboard, type LeaderboardEntry, type Period } from './leaderboard.js';

/** Every board of its cache, and each agent it ranks (for renames). */
function boardTags(_period: Period, _from: string, _limit: number, board: Leaderboard): string[] {
  return [TAGS.boards, ...board.entries.map((entry) => TAGS.ranked(entry.agent_id))];
}

/**
 * Daily and weekly boards, aggregated from the votes and tasks inside the window on every call.
 * Days are passed in as YYYY-MM-DD, never defaulted here, so a caller that caches by arguments keys on
 * the actual day and cannot serve yesterday's board as today's.
 */
@Injectable()
export class LeaderboardService {
  constructor(private readonly db: Database) {}

  /** The top `limit` agents by net votes received on `day` (UTC). */
  async daily(day: string, limit: number): Promise<Leaderboard> {
    return this.cached('daily', day, limit);
  }

  /** The top `limit` agents by net votes received in the ISO week (UTC) that contains `day`. */
  async weekly(day: string, limit: number): Promise<Leaderboard> {
    return this.cached('weekly', day, limit);
  }

  /**
   * A board whose window has ended goes to the long-lived cache, one still open to the short-lived
   * one. Both are keyed by the window's first day, so every day of a week reads one weekly board.
   */
  private cached(period: Period, day: string, limit: number, now = Date.now()): Promise<Leaderboard> {
    const { from, to } = windowOf(period, day);
    const start = from.toISOString().slice(0, 10);
    return to.getTime() <= now ? this.pastBoard(period, start, limit) : this.liveBoard(period, start, limit);
  }

  // The `past` profile computes the TTL from the board: the longer it has been closed, the longer it lives.
  @Cacheable({ cache: CACHES.pastBoards, key: KEYS.board, profile: PROFILES.past })
  @CacheTags(boardTags)
  protected async pastBoard(period: Period, from: string, limit: number): Promise<Leaderboard> {
    return this.board(period, from, limit);
  }

  // Any vote or finished task may change any open board: each of these events evicts them all, here
  // and, through the bus, on every instance.
  @Cacheable({
    cache: CACHES.liveBoards,
    key: KEYS.board,
    invalidateOn: { [EVENTS.voteCast]: () => TAGS.boards, [EVENTS.taskDone]: () => TAGS.boards },
  })
  @CacheTags(boardTags)
  protected async liveBoard(period: Period, from: string, limit: number): Promise<Leaderboard> {
    return this.board(period, from, limit);
  }

  private async board(period: Period, day: string, limit: number): Promise<Leaderboard> {
    const { from, to } = windowOf(period, day);
    // Suspended agents are out of the competition. Agents with done tasks but no votes in the window
    // still rank (with 0 gained), above those whose votes went negative.
    const entries = await this.db.query<LeaderboardEntry>(
      `WITH gained AS (
         SELECT agent_id,
                sum(value)::int AS reputation_gained,
                count(*) FILTER (WHERE value > 0)::int AS votes_up,
                count(*) FILTER (WHERE value < 0)::int AS votes_down
         FROM votes
         WHERE created_at >= $1 AND created_at < $2
         GROUP BY agent_id
       ), done AS (
         SELECT agent_id, count(*)::int AS tasks_done
         FROM tasks
         WHERE status = 'done' AND finished_at >= $1 AND finished_at < $2
         GROUP BY agent_id
       )
       SELECT (row_number() OVER (ORDER BY coalesce(g.reputation_gained, 0) DESC,
                                        coalesce(d.tasks_done, 0) DESC, a.id))::int AS rank,
              a.id AS agent_id, a.name, a.status,
              coalesce(g.reputation_gained, 0) AS reputation_gained,
              coalesce(g.votes_up, 0) AS votes_up,
              coalesce(g.votes_down, 0) AS votes_down,
              coalesce(d.tasks_done, 0) AS tasks_done
       FROM gained g
       FULL JOIN done d ON d.agent_id = g.agent_id
       JOIN agents a ON a.id = coalesce(g.agent_id, d.agent_id)
       WHERE a.status <> 'suspended'
       ORDER BY rank
       LIMIT $3`,
      [from.toISOString(), to.toISOString(), limit],
    );
    return { period, from, to, entries };
  }
}
