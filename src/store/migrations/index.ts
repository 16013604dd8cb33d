import { jobsMigration } from './001-jobs';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Numbered, append-only. Never edit a released migration: add the next number. */
export const MIGRATIONS: readonly Migration[] = [jobsMigration];
