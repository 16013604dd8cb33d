import { saveChart } from '../../charts/save';
import type { MessageRef, ReplySink } from '../../ports/chat';
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
export function consoleSink(out: ConsoleOutput, options: { color: boolean; chartsDir: string }): ReplySink {
  return {
    async post(reply: Reply): Promise<MessageRef> {
      out.write(`${renderText(await withSavedCharts(reply, options.chartsDir), options)}\n`);
      return { id: `console-${++seq}` };
    },
    async update(_ref: MessageRef, reply: Reply): Promise<void> {
      const bar = reply.blocks.find((b) => b.type === 'progress');
      if (bar && bar.type === 'progress') {
        out.status?.(`  … ${Math.round(bar.percent)}%${bar.text ? ` ${bar.text}` : ''}`);
        return;
      }
      const shown = await withSavedCharts(reply, options.chartsDir);
      out.clearStatus?.();
      out.write(`${renderText(shown, options)}\n`);
    },
  };
}

let chartSeq = 0;

/** A terminal cannot show a PNG: save each chart to a file and show its path instead. */
async function withSavedCharts(reply: Reply, dir: string): Promise<Reply> {
  if (!reply.blocks.some((b) => b.type === 'image' && b.png && !b.path)) return reply;
  const blocks = await Promise.all(
    reply.blocks.map(async (b) => {
      if (b.type !== 'image' || !b.png || b.path) return b;
      const path = await saveChart(
        b.png,
        dir,
        `${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}-${++chartSeq}-${b.title}`,
      );
      return { ...b, path };
    }),
  );
  return { ...reply, blocks };
}
