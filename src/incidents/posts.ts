import type { ChatPlatform, PostedMessage } from '../ports/chat';
import type { Db } from '../store/store';

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

  get(incidentId: string): PostedMessage | undefined {
    const row = this.s.get.get(incidentId);
    return row ? { channel: row.channel, id: row.message_id, thread: row.thread } : undefined;
  }

  save(incidentId: string, platform: ChatPlatform, message: PostedMessage, at: number): void {
    this.s.save.run(incidentId, platform, message.channel, message.id, message.thread, at);
  }
}
