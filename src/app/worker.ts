import type { Config } from '../config/config';
import { AppError } from '../errors';
import { buildCore, type Core, type CoreOptions } from './core';

/**
 * A `worker` process: the core and nothing more. It opens no database (nor creates a data
 * directory): its jobs come from Redis with all they need, and remediation jobs, which need the
 * control plane's store, wait on the control queue for `serve` or `chat`.
 */
export type Worker = Core;

export function buildWorker(config: Config, options: Omit<CoreOptions, 'controlPlane'> = {}): Worker {
  if (!config.redisUrl)
    throw new AppError('config_invalid', 'worker needs REDIS_URL (the embedded queue runs its workers inside `serve`)');
  return buildCore(config, options);
}
