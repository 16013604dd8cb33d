/** Phrases the tokenizer reads as one word: word pairs, and intent names typed as commands. */

/** Word pairs read as one word ("roll back" -> rollback), with the form they carry. */
export const BIGRAMS = new Map<string, string>([
  ['roll back', 'rollback'],
  ['rolled back', 'rolledback'],
  ['rolling back', 'rollingback'],
  ['rolls back', 'rollsback'],
  ['roll-back', 'rollback'],
  ['kick off', 'kickoff'],
  ['kicked off', 'kickedoff'],
  ['dry run', 'dryrun'],
  ['look into', 'lookinto'],
  ['dig into', 'diginto'],
  ['dig in', 'diginto'],
  ['look at', 'lookinto'],
  ['root cause', 'rootcause'],
  ['post mortem', 'postmortem'],
  ['on fire', 'onfire'],
  ['what if', 'whatif'],
  ['in case', 'incase'],
  ['spin up', 'spinup'],
  ['sign off', 'signoff'],
  ['look up', 'lookup'],
  ['figure out', 'figureout'],
  ['find out', 'figureout'],
  ['look for', 'search'],
  ['hold off', 'avoid'],
  ['last night', 'last-night'],
  ['go ahead', 'ahead'],
  ['right now', 'now'],
  ['right away', 'now'],
  ['no need', 'avoid'],
  ['not need', 'avoid'],
  ['set up', 'setup'],
  ['shut down', 'shutdown'],
  ['turn off', 'shutdown'],
  ['do not', "don't"],
  ['does not', "doesn't"],
  ['did not', "didn't"],
]);

/** Intent names typed as commands ("/ops detect-anomalies x") read as their words. */
export const EXPAND = new Map<string, string[]>();
for (const phrase of [
  'detect anomalies',
  'list incidents',
  'list jobs',
  'list models',
  'train model',
  'promote model',
  'rollback model',
  'ack incident',
  'resolve incident',
  'search runbooks',
  'job status',
  'cancel job',
  'clear cache',
]) {
  const words = phrase.split(' ');
  EXPAND.set(words.join('_'), words);
  EXPAND.set(words.join('-'), words);
}
