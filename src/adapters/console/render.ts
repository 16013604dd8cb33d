import { saveChart } from '../../charts/save';
import type { Reply } from '../../reply/model';
import { renderText } from '../../reply/render-text';

export interface ConsoleRenderOptions {
  /** ANSI bold/dim (a terminal); none when piped. */
  color: boolean;
  /** Where charts are saved, since a terminal cannot show them. */
  chartsDir: string;
}

/** A reply as console text: charts saved as files and shown as their paths. */
export async function renderConsole(reply: Reply, options: ConsoleRenderOptions): Promise<string> {
  return renderText(await withSavedCharts(reply, options.chartsDir), options);
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
