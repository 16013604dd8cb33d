import { AppError } from '../errors';
import { MODEL_ALIASES, type ModelAlias, type RegisterInput } from './registry-types';

const MODEL_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function checkModelName(name: string): string {
  if (!MODEL_NAME.test(name)) {
    throw new AppError(
      'bad_request',
      `“${name}” is not a model name: lower-case letters, digits and dashes, starting with a letter or digit, ` +
        'at most 63 characters',
    );
  }
  return name;
}

export function defaultModelName(service: string): string {
  return `${service}-detector`;
}

export function isModelAlias(alias: string): alias is ModelAlias {
  return (MODEL_ALIASES as readonly string[]).includes(alias);
}

export function checkAlias(alias: string): ModelAlias {
  if (!isModelAlias(alias)) {
    throw new AppError('bad_request', `“${alias}” is not a model alias: use ${MODEL_ALIASES.join(' or ')}`);
  }
  return alias;
}

const SHA256 = /^[0-9a-f]{64}$/;
const PERSON = /^[a-z]+:\S+$/;

/** What a registration must carry; a bad field is the trainer's bug, named here. */
export function checkRegisterInput(input: RegisterInput): void {
  const bad = (what: string) => {
    throw new AppError('bad_request', `cannot register a model version: ${what}`);
  };
  if (!input.service.trim()) bad('no service');
  if (!Number.isSafeInteger(input.seed)) bad(`the seed must be an integer, not ${input.seed}`);
  const { fromMs, toMs } = input.window;
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs) || fromMs >= toMs) {
    bad(`the training window must run forwards (from ${fromMs} to ${toMs})`);
  }
  if (!SHA256.test(input.dataSha256)) bad('the data sha256 must be 64 lower-case hex digits');
  if (!input.codeVersion.trim()) bad('no code version');
  if (!PERSON.test(input.createdBy)) bad(`created_by must be a person id like user:ID, not “${input.createdBy}”`);
  if (input.onnx.byteLength === 0) bad('the ONNX file is empty');
}
