import type { MessageRef, ReplySink } from '../conversation';
import type { Reply } from '../../reply/model';
import { renderText } from '../../reply/render-text';

export interface ConsoleOutput {
  write(text: string): void;
  /** Rewrite the transient status line (TTY only). */
  status?(text: string): void;
  clearStatus?(): void;
}

let seq = 0;

/**
 * The console as a chat platform: posts print; an edit that only adds progress rewrites a
 * status line on a terminal (and is dropped when piped); any other edit prints the new content.
 */
export function consoleSink(out: ConsoleOutput, options: { color: boolean }): ReplySink {
  return {
    async post(reply: Reply): Promise<MessageRef> {
      out.write(`${renderText(reply, options)}\n`);
      return { id: `console-${++seq}` };
    },
    async update(_ref: MessageRef, reply: Reply): Promise<void> {
      const bar = reply.blocks.find((b) => b.type === 'progress');
      if (bar && bar.type === 'progress') {
        out.status?.(`  … ${Math.round(bar.percent)}%${bar.text ? ` ${bar.text}` : ''}`);
        return;
      }
      out.clearStatus?.();
      out.write(`${renderText(reply, options)}\n`);
    },
  };
}
