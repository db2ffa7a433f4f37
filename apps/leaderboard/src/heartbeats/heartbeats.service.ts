import { Injectable } from '@nestjs/common';
import { InjectWriteBehind, type WriteBehind } from '@tiercache/nestjs/write-behind';
import { Database } from '../db/database.js';
import { HEARTBEATS, presenceKey, type Heartbeat, type Presence } from './heartbeat.js';

@Injectable()
export class HeartbeatsService {
  constructor(
    @InjectWriteBehind(HEARTBEATS) private readonly heartbeats: WriteBehind<Heartbeat>,
    private readonly db: Database,
  ) {}

  /** Acknowledged once queued (in Redis): the database gets it with the next batch. */
  async beat(agentId: number, session: string): Promise<{ heartbeat: Heartbeat; queued: boolean }> {
    const heartbeat: Heartbeat = { agent_id: agentId, session, last_seen: new Date().toISOString() };
    const receipt = await this.heartbeats.write(presenceKey(agentId), heartbeat);
    return { heartbeat, queued: receipt.via === 'queue' };
  }

  /** Read-your-writes: a heartbeat still queued wins over the database's older row. */
  async presence(agentId: number): Promise<Presence> {
    const latest = await this.heartbeats.getOrSet<Heartbeat | null>(presenceKey(agentId), () => this.#load(agentId));
    return { agent_id: agentId, last_seen: latest?.last_seen ?? null, session: latest?.session ?? null };
  }

  async #load(agentId: number): Promise<Heartbeat | null> {
    const [row] = await this.db.query<{ last_seen: Date | null; session: string | null }>(
      `SELECT a.last_seen, s.id AS session FROM agents a
       LEFT JOIN LATERAL (SELECT id FROM agent_sessions WHERE agent_id = a.id ORDER BY last_seen DESC LIMIT 1) s ON true
       WHERE a.id = $1`,
      [agentId],
    );
    if (row?.last_seen == null) return null;
    return { agent_id: agentId, session: row.session ?? '', last_seen: row.last_seen.toISOString() };
  }
}
