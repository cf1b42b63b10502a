import type { Migration } from 'kysely';
import * as foundation from './0001-foundation.migration.ts';
import * as hubspotSync from './0002-hubspot-sync.migration.ts';
import * as cosell from './0003-cosell.migration.ts';
import * as attribution from './0004-attribution.migration.ts';
import * as dedupe from './0005-dedupe.migration.ts';
import * as scoring from './0006-scoring.migration.ts';
import * as operatorLoops from './0007-operator-loops.migration.ts';
import * as jobLeases from './0008-job-leases.migration.ts';
import * as accountPartners from './0009-account-partners.migration.ts';
import * as mirrorDigests from './0010-mirror-digests.migration.ts';
import * as cloudProgrammes from './0011-cloud-programmes.migration.ts';
import * as programmeRecords from './0012-programme-records.migration.ts';
import * as errorInbox from './0013-error-inbox.migration.ts';
import * as oauthStatePayload from './0014-oauth-state-payload.migration.ts';
import * as cloudSendClaims from './0015-cloud-send-claims.migration.ts';
import * as cardKeys from './0016-card-keys.migration.ts';
import * as cardInputs from './0017-card-inputs.migration.ts';
import * as mirrorReadOrder from './0018-mirror-read-order.migration.ts';
import * as cardInputsBatched from './0019-card-inputs-batched.migration.ts';
import * as rosterVersions from './0020-roster-versions.migration.ts';
import * as cardProperties from './0021-card-properties.migration.ts';

/** Every migration, in order. Names are stable forever: they are the keys recorded in the database. */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-foundation': foundation,
  '0002-hubspot-sync': hubspotSync,
  '0003-cosell': cosell,
  '0004-attribution': attribution,
  '0005-dedupe': dedupe,
  '0006-scoring': scoring,
  '0007-operator-loops': operatorLoops,
  '0008-job-leases': jobLeases,
  '0009-account-partners': accountPartners,
  '0010-mirror-digests': mirrorDigests,
  '0011-cloud-programmes': cloudProgrammes,
  '0012-programme-records': programmeRecords,
  '0013-error-inbox': errorInbox,
  '0014-oauth-state-payload': oauthStatePayload,
  '0015-cloud-send-claims': cloudSendClaims,
  '0016-card-keys': cardKeys,
  '0017-card-inputs': cardInputs,
  '0018-mirror-read-order': mirrorReadOrder,
  '0019-card-inputs-batched': cardInputsBatched,
  '0020-roster-versions': rosterVersions,
  '0021-card-properties': cardProperties,
};
