import { AppError } from '../errors';
import type { Postmortems } from '../investigate/postmortem/types';
import { presentPostmortem } from '../present/postmortem';
import { reply, text } from '../reply/model';
import type { CommandOutcome } from './context';

/**
 * `postmortem INCIDENT`: the incident's postmortem draft, as Markdown in the thread (and the same
 * draft for REST). It only reads. An unknown incident is an `invalid` answer that REST turns into 404.
 */
export async function writePostmortem(
  postmortems: Postmortems | undefined,
  incidentId: string,
): Promise<CommandOutcome> {
  if (!postmortems)
    return {
      outcome: 'unavailable',
      reply: reply('warning', text('Postmortems are written by the control plane (`serve`, `chat`), not here.')),
    };
  try {
    const draft = await postmortems.write(incidentId);
    return { outcome: 'replied', reply: presentPostmortem(draft), postmortem: draft };
  } catch (err) {
    if (!(err instanceof AppError) || err.code !== 'not_found') throw err;
    return {
      outcome: 'invalid',
      notFound: true,
      reply: reply('warning', text(`${err.userMessage} \`incidents\` lists them.`)),
    };
  }
}
