import { figures, loadScenarios, runScenario, type Outcome } from './investigate/run';

/**
 * `npm run eval:investigate`: the deterministic investigator on the scenarios in bench/investigate/
 * (scenarios.yaml, developed on; holdout.yaml, held out), each on a demo fleet playing its faults at a
 * fixed clock. Prints the figures and a table per scenario. `--only NAME` runs the scenarios whose name
 * contains NAME; `--dev-only` skips the held-out set; `--verbose` prints each summary.
 */
async function main(): Promise<void> {
  const verbose = process.argv.includes('--verbose');
  const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
  for (const [label, file] of [
    ['developed on', 'scenarios.yaml'],
    ['held out', 'holdout.yaml'],
  ] as const) {
    const scenarios = loadScenarios(file).filter((s) => only === undefined || s.name.includes(only));
    if (scenarios.length === 0 || (file === 'holdout.yaml' && process.argv.includes('--dev-only'))) continue;
    const outcomes: Outcome[] = [];
    for (const s of scenarios) {
      const o = await runScenario(s);
      outcomes.push(o);
      const mark = o.right ? 'ok  ' : 'MISS';
      const expected = Array.isArray(s.expect) ? s.expect.join(' | ') : s.expect;
      const conf = o.json.root_cause ? o.json.root_cause.confidence.toFixed(2) : '';
      const missing = o.missingEvidence.length ? ` (evidence missing: ${o.missingEvidence.join(', ')})` : '';
      process.stdout.write(
        `${mark} ${s.name.padEnd(50)} ${expected.padEnd(32)} ${o.got.padEnd(30)} ${conf.padStart(4)} ` +
          `${Math.round(o.ms).toString().padStart(6)} ms${missing}\n`,
      );
      if (verbose || (!o.right && process.argv.includes('--misses'))) process.stdout.write(`${o.summary}\n\n`);
    }
    const f = figures(outcomes);
    process.stdout.write(
      `\n${label} (${file}, ${f.total} scenarios): top-1 accuracy ${f.top1.toFixed(3)}, ` +
        `accuracy when answered ${f.accuracyWhenAnswered.toFixed(3)} (${f.answered} answered), ` +
        `inconclusive rate ${f.inconclusiveRate.toFixed(3)}, wrong answers on a quiet fleet ${f.quietWrong}, ` +
        `time per investigation p50 ${Math.round(f.p50Ms)} ms, p95 ${Math.round(f.p95Ms)} ms\n\n`,
    );
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
