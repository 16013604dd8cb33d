import { jobsMigration } from './001-jobs';
import { authMigration } from './002-auth';
import { remediationMigration } from './003-remediation';
import { incidentsMigration } from './004-incidents';
import { incidentPostsMigration } from './005-incident-posts';
import { teamsMigration } from './006-teams';
import { loginThrottleHashedMigration } from './007-login-throttle-hashed';
import { incidentGroupsMigration } from './008-incident-groups';
import { remediationNoticesMigration } from './009-remediation-notices';
import { replaysMigration } from './010-replays';
import { incidentAnalysesMigration } from './011-incident-analyses';
import { modelsMigration } from './012-models';
import { modelJobsMigration } from './013-model-jobs';
import { modelShadowMigration } from './014-model-shadow';
import { feedbackMigration } from './015-feedback';
import { modelReferenceMigration } from './016-model-reference';
import { investigationsMigration } from './017-investigations';
import { monitorScansMigration } from './018-monitor-scans';
import type { Migration } from './types';

export type { Migration } from './types';

/** Numbered, append-only. Never edit a released migration: add the next number. */
export const MIGRATIONS: readonly Migration[] = [
  jobsMigration,
  authMigration,
  remediationMigration,
  incidentsMigration,
  incidentPostsMigration,
  teamsMigration,
  loginThrottleHashedMigration,
  incidentGroupsMigration,
  remediationNoticesMigration,
  replaysMigration,
  incidentAnalysesMigration,
  modelsMigration,
  modelJobsMigration,
  modelShadowMigration,
  feedbackMigration,
  modelReferenceMigration,
  investigationsMigration,
  monitorScansMigration,
];
