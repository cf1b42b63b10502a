import type { Migration } from 'kysely';
import * as foundation from './0001-foundation.migration.ts';
import * as hubspotSync from './0002-hubspot-sync.migration.ts';

/** Every migration, in order. Names are stable forever: they are the keys recorded in the database. */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-foundation': foundation,
  '0002-hubspot-sync': hubspotSync,
};
