/**
 * The chat commands the docs show, extracted so that each one can be run as a test
 * (tests/docs/examples.test.ts). The rules, for README.md, runbooks/README.md and `help`:
 *
 * - Command tables (a table whose header is `command | what it does`): every code span of the
 *   first column is a template; a `--flag` span there applies to the others of its row.
 *   Help's table is read the same way from `helpReply()`, its first column split on ", ".
 * - Prose: a code span that starts with `/ops ` or `@SmartCloudOps `, or with a command word
 *   followed by more words (`runbook NAME on SERVICE`), is an example; `<…>` marks a
 *   placeholder for any command and is skipped.
 * - Fenced blocks: each line starting with `ops> ` is a command typed in the console, and each
 *   `echo '…' | npx smartcloudops chat …` line pipes one (the README's demo story).
 * - Conversations: code spans joined by `→` with quoted bot replies between them
 *   (`scale checkout-api` → "To how many replicas?" → `4` → …).
 *
 * Templates are expanded: `a|b` (a word, or inside brackets) gives each alternative, `[x]`
 * gives the command without and with `x`, an UPPER-CASE or bracketed lower-case placeholder
 * takes a sample value (an optional one without a sample is left out), and `…` is dropped.
 */

export interface Example {
  /** Where it came from, for the test name. */
  source: string;
  /** The command as the docs write it (a template, before expansion). */
  written: string;
  /** The command to type. */
  text: string;
  /** A table row, a help row or an `ops>` line: a command, not a phrase inside a sentence. */
  fromTable: boolean;
  /** Sample values that went in for placeholders: each must come out as one of these slots. */
  expects: Array<{ value: string | number; slots: string[] }>;
  /** Flags from the row (`--dry-run`). */
  flags: string[];
}

export interface Conversation {
  source: string;
  turns: Array<{ say: string; reply: string | undefined }>;
}

/** Sample values for placeholders, and the slots each may land in. */
const SAMPLES: Record<
  string,
  { value: string; parsed?: string | number; slots: string[] } | Array<{ value: string; slots: string[] }>
> = {
  // `search` too: a demo service whose name is also a command word
  SERVICE: [
    { value: 'checkout-api', slots: ['target', 'service'] },
    { value: 'search', slots: ['target', 'service'] },
  ],
  TARGET: [
    { value: 'checkout-api', slots: ['target', 'service'] },
    { value: 'search', slots: ['target', 'service'] },
  ],
  service: [
    { value: 'checkout-api', slots: ['service', 'target'] },
    { value: 'search', slots: ['service', 'target'] },
  ],
  N: { value: '4', parsed: 4, slots: ['replicas'] },
  ID: { value: 'a1b2c3', slots: ['job_id', 'request_id', 'incident_id'] },
  NAME: { value: 'flush-dns', slots: ['runbook'] },
  topic: { value: 'restart', slots: ['topic'] },
  metric: { value: 'error rate', slots: ['metric'] },
  QUERY: { value: 'dns', slots: ['query'] },
  MODEL: { value: 'payments-detector', slots: ['model'] },
  VERSION: { value: '2', parsed: 2, slots: ['version'] },
  A: { value: '1', parsed: 1, slots: ['version_a'] },
  B: { value: '2', parsed: 2, slots: ['version_b'] },
  // feedback targets: a job's or an incident's id
  JOB: { value: '12', slots: ['target', 'job_id'] },
  INCIDENT: { value: 'i3f9a1c', slots: ['target', 'incident_id'] },
};
/** Literal words in optional groups that are values too. */
const LITERALS: Record<string, { parsed: string | number; slots: string[] }> = {
  'last 2h': { parsed: 7200, slots: ['window_s'] },
  open: { parsed: 'open', slots: ['status'] },
  acked: { parsed: 'acked', slots: ['status'] },
  resolved: { parsed: 'resolved', slots: ['status'] },
};

const CODE = /`([^`]+)`/g;
const COMMAND_HEADER = /^\|\s*command\s*\|\s*what it does\s*\|/;

export function codeSpans(text: string): string[] {
  return [...text.matchAll(CODE)].map((m) => m[1].replace(/\\\|/g, '|').trim());
}

/** First-column templates of every `command | what it does` table (blank lines inside one don't end it). */
export function tableTemplates(markdown: string): Array<{ templates: string[]; flags: string[] }> {
  const rows: Array<{ templates: string[]; flags: string[] }> = [];
  let inTable = false;
  for (const line of markdown.split('\n')) {
    if (COMMAND_HEADER.test(line)) {
      inTable = true;
      continue;
    }
    if (!line.trim()) continue;
    if (!line.startsWith('|')) {
      inTable = false;
      continue;
    }
    if (!inTable || /^\|[\s|:-]+\|$/.test(line)) continue;
    const first = line.split(/(?<!\\)\|/)[1];
    const spans = codeSpans(first);
    rows.push({ templates: spans.filter((s) => !s.startsWith('-')), flags: spans.filter((s) => s.startsWith('--')) });
  }
  return rows;
}

/** Prose code spans that are commands, given the catalog's command words. */
export function proseCommands(markdown: string, commandWords: ReadonlySet<string>): string[] {
  const prose = markdown
    .replace(/```[\s\S]*?```/g, '')
    .split('\n')
    .filter((l) => !l.startsWith('|'))
    .join('\n');
  return codeSpans(prose).filter((s) => {
    if (s.includes('<')) return false;
    if (/^(\/ops|@SmartCloudOps)\s/.test(s)) return true;
    const words = s.split(/\s+/);
    return words.length > 1 && commandWords.has(words[0]);
  });
}

export function consoleLines(markdown: string): string[] {
  const out: string[] = [];
  for (const block of markdown.match(/```[^\n]*\n[\s\S]*?```/g) ?? []) {
    for (const line of block.split('\n')) {
      if (line.startsWith('ops> ')) out.push(line.slice(5).trim());
      const piped = /^echo '([^']+)' \| npx smartcloudops chat\b/.exec(line);
      if (piped) out.push(piped[1].trim());
    }
  }
  return out;
}

export function conversations(markdown: string, source: string): Conversation[] {
  const out: Conversation[] = [];
  // one paragraph at a time, so a chain may wrap over lines
  for (const para of markdown.split(/\n\s*\n/)) {
    if (!para.includes('→')) continue;
    const flat = para.replace(/\s*\n\s*/g, ' ');
    const chain = /(`[^`]+`(?:\s*→\s*(?:`[^`]+`|"[^"]+"))+)/.exec(flat);
    if (!chain) continue;
    const steps = chain[1].split(/\s*→\s*/);
    const turns: Conversation['turns'] = [];
    for (const step of steps) {
      if (step.startsWith('`')) turns.push({ say: step.slice(1, -1), reply: undefined });
      else if (turns.length) turns[turns.length - 1].reply = step.slice(1, -1);
    }
    out.push({ source, turns });
  }
  return out;
}

/** Every concrete command a template stands for. */
export function expand(template: string): Array<{ text: string; expects: Example['expects'] }> {
  const words = tokenize(template.replace(/…/g, '').trim());
  let variants: Array<{ parts: string[]; expects: Example['expects'] }> = [{ parts: [], expects: [] }];
  for (const word of words) {
    const options = wordOptions(word);
    const next: typeof variants = [];
    for (const v of variants)
      for (const o of options)
        next.push({ parts: o.text ? [...v.parts, o.text] : v.parts, expects: [...v.expects, ...o.expects] });
    variants = next;
  }
  return variants.map((v) => ({ text: v.parts.join(' '), expects: v.expects }));
}

/** Words, keeping a bracketed group (`[last 2h]`) as one. */
function tokenize(template: string): string[] {
  return template.match(/\[[^\]]*\]|\S+/g) ?? [];
}

function wordOptions(word: string): Array<{ text: string; expects: Example['expects'] }> {
  const optional = word.startsWith('[') && word.endsWith(']');
  const inner = optional ? word.slice(1, -1) : word;
  const options: Array<{ text: string; expects: Example['expects'] }> = [];
  for (const alt of inner.split('|')) {
    const samples = SAMPLES[alt];
    const literal = LITERALS[alt];
    if (samples)
      for (const sample of [samples].flat())
        options.push({
          text: sample.value,
          expects: [{ value: ('parsed' in sample ? sample.parsed : undefined) ?? sample.value, slots: sample.slots }],
        });
    else if (/^[A-Z]+$/.test(alt))
      throw new Error(`no sample value for the placeholder ${alt} in \`${word}\`: add one to SAMPLES`);
    else if (optional && /^[a-z]+$/.test(alt) && !literal && !/\s/.test(alt))
      continue; // a placeholder without a sample: left out
    else options.push({ text: alt, expects: literal ? [{ value: literal.parsed, slots: literal.slots }] : [] });
  }
  if (optional) options.unshift({ text: '', expects: [] });
  return options;
}
