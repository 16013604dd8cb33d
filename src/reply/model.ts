/**
 * The platform-neutral reply. Commands and presenters build these; each adapter renders them
 * (console text, Slack Block Kit, Teams Adaptive Card). Keep it small: adapters must render
 * every block.
 */
export type Tone = 'info' | 'success' | 'warning' | 'error';

export interface Button {
  label: string;
  /** The command the button runs, as a user would type it (e.g. `cancel 12`). */
  command: string;
  style?: 'primary' | 'danger';
}

export type StepStatus = 'running' | 'done' | 'failed';

/** One step of a job's work as people see it; `id` tells steps with the same label apart (default the label). */
export interface Step {
  id?: string;
  label: string;
  status: StepStatus;
  /** What it found or why it failed, one line. */
  detail?: string;
}

/** Which steps differ: the key of a step in a list (its id, else its label). */
export const stepKey = (s: Step): string => s.id ?? s.label;

export type Block =
  | { type: 'header'; text: string }
  | { type: 'text'; text: string }
  | { type: 'fields'; fields: Array<{ label: string; value: string }> }
  | { type: 'table'; columns: string[]; rows: string[][] }
  | { type: 'series'; label: string; values: number[]; unit?: string }
  | { type: 'progress'; percent: number; text?: string }
  | { type: 'buttons'; buttons: Button[] }
  /** Steps of work in order, each running, done or failed (a job's tool calls, a training's stages). */
  | { type: 'steps'; steps: Step[] }
  /** A rendered chart: `png` for adapters that upload bytes, `path` where it was saved; `alt` always describes it. */
  | { type: 'image'; title: string; path?: string; png?: Buffer; alt: string }
  | { type: 'context'; text: string };

export interface Reply {
  tone: Tone;
  blocks: Block[];
}

export function reply(tone: Tone, ...blocks: Block[]): Reply {
  return { tone, blocks };
}

export const text = (t: string): Block => ({ type: 'text', text: t });
export const header = (t: string): Block => ({ type: 'header', text: t });
export const context = (t: string): Block => ({ type: 'context', text: t });
export const fields = (f: Array<{ label: string; value: string }>): Block => ({ type: 'fields', fields: f });
export const table = (columns: string[], rows: string[][]): Block => ({ type: 'table', columns, rows });
export const series = (label: string, values: number[], unit?: string): Block => ({
  type: 'series',
  label,
  values,
  ...(unit ? { unit } : {}),
});
export const progress = (percent: number, t?: string): Block => ({
  type: 'progress',
  percent,
  ...(t ? { text: t } : {}),
});
export const steps = (list: Step[]): Block => ({ type: 'steps', steps: list });
export const buttons = (b: Button[]): Block => ({ type: 'buttons', buttons: b });
export const image = (i: { title: string; alt: string; path?: string; png?: Buffer }): Block => ({
  type: 'image',
  title: i.title,
  alt: i.alt,
  ...(i.path ? { path: i.path } : {}),
  ...(i.png ? { png: i.png } : {}),
});

/** The plain-text gist of a reply (notifications, logs, fallbacks). */
export function summary(r: Reply): string {
  const first = r.blocks.find((b) => b.type === 'header' || b.type === 'text');
  return first && 'text' in first ? first.text : '';
}
