import type { ChannelPoster, MessageRef, ReplySink, StepsView } from '../../ports/chat';
import { stepKey, type Reply, type Step } from '../../reply/model';
import { renderText } from '../../reply/render-text';
import { renderConsole, type ConsoleRenderOptions } from './render';

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
export function consoleSink(out: ConsoleOutput, options: ConsoleRenderOptions): ReplySink {
  return {
    async post(reply: Reply): Promise<MessageRef> {
      out.write(`${await renderConsole(reply, options)}\n`);
      return { id: `console-${++seq}` };
    },
    async update(_ref: MessageRef, reply: Reply): Promise<void> {
      const bar = reply.blocks.find((b) => b.type === 'progress');
      if (bar && bar.type === 'progress') {
        out.status?.(`  … ${Math.round(bar.percent)}%${bar.text ? ` ${bar.text}` : ''}`);
        return;
      }
      const shown = await renderConsole(reply, options);
      out.clearStatus?.();
      out.write(`${shown}\n`);
    },
    steps: () => consoleSteps(out),
  };
}

/** A job's steps as live lines: one line for each new step and each change of one, in order. */
function consoleSteps(out: ConsoleOutput): StepsView {
  const printed = new Map<string, string>();
  const show = async (list: readonly Step[]) => {
    for (const s of list) {
      const line = renderText({ tone: 'info', blocks: [{ type: 'steps', steps: [s] }] });
      if (printed.get(stepKey(s)) === line) continue;
      printed.set(stepKey(s), line);
      out.clearStatus?.();
      out.write(`${line}\n`);
    }
    return 'shown' as const;
  };
  return {
    show,
    async end(list) {
      await show(list);
    },
  };
}

/**
 * The REPL's screen as a ChannelPoster for notices about this console's channel (a remediation
 * decided elsewhere): local to this process, so every console shows its own. Other channels' notices
 * are not shown here.
 */
export function consoleNoticePoster(sink: ReplySink, channel: string): ChannelPoster {
  let noticeSeq = 0;
  return {
    local: true,
    async post(to, reply, thread) {
      if (to === channel) await sink.post(reply);
      return { channel: to, id: `console-notice-${++noticeSeq}`, thread: thread ?? to };
    },
    async update(message, reply) {
      if (message.channel === channel) await sink.post(reply);
    },
  };
}
