import type { Db } from '../store/store';

/** Where a message was posted in chat: the channel, the message's id, and its thread. */
export interface PostedIncident {
  channel: string;
  id: string;
  thread: string;
}

/**
 * Where each incident was posted (migration 005), so later notifications edit that message and
 * reply in its thread, also after a restart.
 */
export class IncidentPosts {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      get: db.prepare<[string], { channel: string; message_id: string; thread: string }>(
        'SELECT channel, message_id, thread FROM incident_posts WHERE incident_id = ?',
      ),
      save: db.prepare<[string, string, string, string, string, number]>(
        `INSERT OR REPLACE INTO incident_posts (incident_id, platform, channel, message_id, thread, posted_at)
        VALUES (?, ?, ?, ?, ?, ?)`,
      ),
    };
  }

  get(incidentId: string): PostedIncident | undefined {
    const row = this.s.get.get(incidentId);
    return row ? { channel: row.channel, id: row.message_id, thread: row.thread } : undefined;
  }

  save(incidentId: string, platform: string, message: PostedIncident, at: number): void {
    this.s.save.run(incidentId, platform, message.channel, message.id, message.thread, at);
  }
}
