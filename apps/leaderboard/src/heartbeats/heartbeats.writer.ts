import type { WriteItem } from '@tiercache/nestjs/write-behind';
import type { Database } from '../db/database.js';
import type { Heartbeat } from './heartbeat.js';

/**
 * The batch writer: one transaction per batch, each row guarded by the write's sequence (the
 * idempotent-upsert recipe), so a batch delivered again after a crash, or a write-through racing
 * an older queued write, never moves `last_seen` back or counts a heartbeat twice.
 */
export async function writeHeartbeats(db: Database, batch: readonly WriteItem<Heartbeat>[]): Promise<void> {
  await db.transaction(async (tx) => {
    for (const { seq, value } of batch) {
      await tx.query('UPDATE agents SET last_seen = $2, last_seen_seq = $3 WHERE id = $1 AND last_seen_seq < $3', [value.agent_id, value.last_seen, seq]);
      await tx.query(
        `INSERT INTO agent_sessions (id, agent_id, started_at, last_seen, heartbeats, seq) VALUES ($1, $2, $3, $3, 1, $4)
         ON CONFLICT (id) DO UPDATE SET last_seen = EXCLUDED.last_seen, heartbeats = agent_sessions.heartbeats + 1, seq = EXCLUDED.seq
         WHERE agent_sessions.seq < EXCLUDED.seq`,
        [value.session, value.agent_id, value.last_seen, seq],
      );
    }
  });
}
