import { hash } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import { dealMatchKeys } from '../../src/dedupe/match-keys.ts';
import type { CanonicalDeal } from '../../src/model/crm-record.ts';
import { type Deal, dealSchema } from '../../src/model/deal.ts';
import { dealDigest } from '../../src/model/deal-digest.ts';
import { type Partner, partnerSchema } from '../../src/model/partner.ts';
import { chunks } from '../../src/shared/chunks.ts';
import { NotFoundError } from '../../src/shared/errors.ts';
import { memoOn } from '../../src/shared/memo-on.ts';
import { recordset, tenantKeyIn } from '../platform/store/bulk.ts';
import { CheckpointsRepository } from '../platform/store/checkpoints.repo.ts';
import type { StoreSchema } from '../platform/store/schema.ts';
import { drainLeaseKey } from './tenant-leases.ts';

const CHUNK = 500;
const DEAL_COLUMNS = {
  deal_id: 'text',
  deal: 'jsonb',
  properties: 'jsonb',
  unlabeled_partner_ids: 'jsonb',
  account_partner_ids: 'jsonb',
  digest: 'text',
} as const;
/** Rows per read on paths that run beside webhook acknowledgements (a drain's reads). */
const SMALL_READ = 200;
/** Page size of full reads of a tenant's deals. */
const LIVE_PAGE = 1_000;
/**
 * Rows one upsert writes before it refreshes the planner's statistics of the mirror: a first load or a large change
 * would otherwise leave every later query planned for the table as it was (Postgres without autovacuum, and PGlite,
 * which has none, never refresh them on their own).
 */
const ANALYZE_AFTER_ROWS = 5_000;

/** The checkpoint stream of the last successful full read, and its shape. */
const FULL_READ_STREAM = 'crm.full-read';
const fullReadSchema = z.strictObject({ startedAt: z.iso.datetime() });

/**
 * Change detection, not security: a short digest of serialised parts, each followed by a NUL. One-shot `hash`: a
 * `Hash` object per digest cost more than the hashing itself.
 */
function digestOf(...parts: string[]): string {
  return hash('sha1', `${parts.join('\u0000')}\u0000`, 'base64url');
}

/**
 * The roster's version (the store's `roster_version`: a counter per tenant that triggers move with every insert,
 * update or deletion of the tenant's partner rows, whichever replica wrote; migration 0020).
 */
export function rosterVersionOf(tenantId: string) {
  return sql<{ version: string }>`select roster_version(${tenantId}) as version`;
}

/** The last key list `sortedKeysOf` sorted, and its sorted copy: the deals of one read share theirs. */
let lastKeys: readonly string[] = [];
let lastSorted: readonly string[] = [];

/** The object's keys sorted; a list equal to the last one given reuses its sort. */
function sortedKeysOf(object: object): readonly string[] {
  const keys = Object.keys(object);
  let same = keys.length === lastKeys.length;
  for (let index = 0; same && index < keys.length; index += 1) same = keys[index] === lastKeys[index];
  if (!same) {
    lastKeys = keys;
    lastSorted = [...keys].sort();
  }
  return lastSorted;
}

/**
 * Where a values object keeps its digest (`memoOn`): the read's values, digested when stored, are compared when written.
 */
const PROPERTIES_DIGEST = Symbol('values digest');

/**
 * A digest of raw CRM values that ignores key order (the store's jsonb reorders keys; a read may too): each name in
 * sorted order with its value's length and the value (a null has neither), so no two sets of values read the same.
 * It runs for every deal read and twice for every deal written: one digest per values object (they are never changed
 * in place), no JSON (with a replacer array it cost twice this).
 */
function propertiesDigest(properties: Readonly<Record<string, string | null>>): string {
  return memoOn(properties, PROPERTIES_DIGEST, () => {
    let text = '';
    for (const key of sortedKeysOf(properties)) {
      const value = properties[key];
      text += value == null ? `${key}\u0002` : `${key}\u0001${value.length}\u0001${value}`;
    }
    return hash('sha1', text, 'base64url');
  });
}

export interface MirroredDeal extends CanonicalDeal {
  deletedAt: Date | null;
}

/**
 * The service's copy of each tenant's deals and partners, in the canonical model, plus the raw CRM values that
 * write-backs compare against. Refreshed from the CRM (never from event payloads), so a replayed or reordered event
 * cannot make it wrong; deletions and merges keep a row (and an alias) so late events and decisions still resolve.
 */
export class CrmMirrorRepository {
  /** Each tenant's roster as last read, with the version it was read at (see `livePartners`). */
  readonly #rosters = new Map<string, { version: string; partners: readonly Partner[] }>();

  readonly #checkpoints: CheckpointsRepository;

  constructor(private readonly db: Kysely<StoreSchema>) {
    this.#checkpoints = new CheckpointsRepository(db);
  }

  /**
   * A full read beginning now: `startedAt`, the store's clock as text (microseconds kept: rows stored after it are
   * newer than the read, see `markUnseenDeleted`), and `coversFrom`, the start of what the read covers for the webhook
   * drain — that moment, or when the tenant's incremental pass under way (its drain lease) began, if earlier: that
   * pass may still write into the mirror what it read before now. `read` numbers the read among all reads (`readStart`).
   */
  async fullReadStart(tenantId: string): Promise<{ startedAt: string; coversFrom: Date; read: string }> {
    const { rows } = await sql<{ now: string; covers: Date | string; read: string }>`
      select now()::text as now,
        least(now(), (select acquired_at from job_leases where lease_key = ${drainLeaseKey(tenantId)})) as covers,
        nextval('crm_read_starts')::text as read`.execute(this.db);
    const row = rows[0];
    if (!row) throw new Error('the store did not answer its clock');
    return { startedAt: row.now, coversFrom: new Date(row.covers), read: row.read };
  }

  /**
   * The number of a read of the CRM beginning now: reads are numbered in the order they begin, across replicas (the
   * store's sequence `crm_read_starts`), so `upsertDeals` can tell the newer of two reads of one deal.
   */
  async readStart(): Promise<string> {
    const { rows } = await sql<{ read: string }>`select nextval('crm_read_starts')::text as read`.execute(this.db);
    const row = rows[0];
    if (!row) throw new Error('the store did not number the read');
    return row.read;
  }

  /** After a full pass succeeded: every record was read after `startedAt` (the read's start) and stored. */
  async recordFullRead(tenantId: string, startedAt: Date): Promise<void> {
    await this.#checkpoints.save(tenantId, FULL_READ_STREAM, fullReadSchema, { startedAt: startedAt.toISOString() });
  }

  /** When the last full pass that succeeded began reading; undefined before the first. */
  async lastFullReadStartedAt(tenantId: string): Promise<Date | undefined> {
    const checkpoint = await this.#checkpoints.load(tenantId, FULL_READ_STREAM, fullReadSchema);
    return checkpoint ? new Date(checkpoint.startedAt) : undefined;
  }

  /**
   * Deals as just read from the CRM. A row whose digest matches what the last read stored is left alone (with its
   * match keys), so a reconcile that finds nothing changed reads one short row per deal and writes nothing.
   * `read` (the read's number, `readStart`) orders reads: a row a read that began later stored stays (with its match
   * keys; `readsAfter` tells the caller which). Without it the deals replace what is stored. Returns the number of rows
   * written.
   */
  async upsertDeals(tenantId: string, deals: readonly CanonicalDeal[], read?: string): Promise<number> {
    const number = read ?? null;
    let written = 0;
    for (const batch of chunks(deals, CHUNK)) {
      const rows = batch.map((entry) => {
        const deal = JSON.stringify(entry.deal);
        const unlabeled = JSON.stringify(entry.unlabeledPartnerIds);
        const account = JSON.stringify(entry.accountPartnerIds ?? []);
        // Two parts: the record and its links as read, and its raw values (which our own write-backs move on). The
        // values are digested without their JSON, which only a row that is written needs; the deal's own digest is
        // kept for the pass's later digests of the same deal (the engines' input digests: dedupe, scoring).
        const digest = `${digestOf(dealDigest(entry.deal, deal), unlabeled, account)}.${propertiesDigest(entry.properties)}`;
        return { id: entry.deal.id, entry, deal, unlabeled, account, digest };
      });
      // A first load grows the table in this very loop, before any statistics exist: key lookups, not a plain list.
      const stored = await sql<{ deal_id: string; digest: string | null; newer: boolean | null }>`
        select deal_id, digest, read_seq > ${number}::bigint as newer from crm_deals
        where ${tenantKeyIn(
          tenantId,
          'deal_id',
          rows.map((row) => row.id),
        )} and deleted_at is null`.execute(this.db);
      const current = new Map(stored.rows.map((row) => [row.deal_id, row]));
      const changed = rows.filter((row) => {
        const found = current.get(row.id);
        return found?.digest !== row.digest && !found?.newer;
      });
      if (changed.length === 0) continue;
      // The serialised columns go into the batch's JSON as they are (no second stringify of every deal).
      const json = `[${changed
        .map(
          (row) =>
            `{"deal_id":${JSON.stringify(row.id)},"deal":${row.deal},"properties":${JSON.stringify(row.entry.properties)},` +
            `"unlabeled_partner_ids":${row.unlabeled},"account_partner_ids":${row.account},` +
            `"digest":${JSON.stringify(row.digest)}}`,
        )
        .join(',')}]`;
      // The match keys are computed before the transaction: on PGlite an open transaction holds the one session, and
      // webhook acknowledgements wait behind it.
      const changedKeys = changed.flatMap((row) =>
        dealMatchKeys(row.entry.deal).map((key) => ({ match_key: key, deal_id: row.id })),
      );
      // The condition holds against a read stored since the lookup above (a deleted row's read counts too). One
      // transaction with the match keys: a newer read storing the same deals meanwhile waits on their rows, so its
      // keys, not these, are the last written.
      written += await this.db.transaction().execute(async (trx) => {
        const upserted = await sql<{ deal_id: string }>`
          insert into crm_deals
            (tenant_id, deal_id, deal, properties, unlabeled_partner_ids, account_partner_ids, digest, read_seq)
          select ${tenantId}, r.deal_id, r.deal, r.properties, r.unlabeled_partner_ids, r.account_partner_ids,
            r.digest, ${number}::bigint
          from ${recordset(json, DEAL_COLUMNS)}
          on conflict (tenant_id, deal_id) do update set
            deal = excluded.deal, properties = excluded.properties,
            unlabeled_partner_ids = excluded.unlabeled_partner_ids, account_partner_ids = excluded.account_partner_ids,
            digest = excluded.digest, read_seq = excluded.read_seq, synced_at = now(), deleted_at = null
          where excluded.read_seq is null or crm_deals.read_seq is null or crm_deals.read_seq <= excluded.read_seq
          returning deal_id`.execute(trx);
        const changedIds = new Set(upserted.rows.map((row) => row.deal_id));
        if (changedIds.size === 0) return 0;
        await sql`delete from deal_match_keys where ${tenantKeyIn(tenantId, 'deal_id', [...changedIds])}`.execute(trx);
        const keys = changedKeys.filter((key) => changedIds.has(key.deal_id));
        if (keys.length > 0) {
          await sql`
            insert into deal_match_keys (tenant_id, match_key, deal_id)
            select ${tenantId}, r.match_key, r.deal_id from ${recordset(JSON.stringify(keys), { match_key: 'text', deal_id: 'text' })}`.execute(
            trx,
          );
        }
        return changedIds.size;
      });
    }
    await this.refreshStatistics(written);
    return written;
  }

  /**
   * Deals (live or deleted) a read numbered after `read` stored since — a webhook pass that re-read them while a
   * reconcile read — with that read's number; only among `ids` when given. A pass computes from the mirror's row for
   * these rather than from its own older read, and leaves their write-back to the newer pass.
   */
  async readsAfter(tenantId: string, read: string, ids?: readonly string[]): Promise<Map<string, string>> {
    const among = ids ? sql`and ${tenantKeyIn(tenantId, 'deal_id', ids)}` : sql``;
    const { rows } = await sql<{ deal_id: string; read_seq: string }>`
      select deal_id, read_seq::text as read_seq from crm_deals
      where tenant_id = ${tenantId} and read_seq > ${read}::bigint ${among}`.execute(this.db);
    return new Map(rows.map((row) => [row.deal_id, row.read_seq]));
  }

  /**
   * After a load that wrote `written` deal rows: refreshes the planner's statistics of the mirror when it is large.
   * `upsertDeals` runs it for what it wrote; a load in pieces (each below the threshold) runs it once for the whole.
   */
  async refreshStatistics(written: number): Promise<void> {
    if (written >= ANALYZE_AFTER_ROWS) await sql`analyze crm_deals, deal_match_keys`.execute(this.db);
  }

  /**
   * Partners into the roster. `properties` (the raw CRM values company write-backs compare against) replace the stored
   * ones when given (a full read); without them the stored values stay (a read that did not fetch them).
   */
  async upsertPartners(
    tenantId: string,
    partners: readonly Partner[],
    properties?: ReadonlyMap<string, Record<string, string | null>>,
  ): Promise<void> {
    for (const batch of chunks(partners, CHUNK)) {
      await this.db
        .insertInto('crm_partners')
        .values(
          batch.map((partner) => ({
            tenant_id: tenantId,
            partner_id: partner.id,
            partner: JSON.stringify(partner),
            properties: JSON.stringify(properties?.get(partner.id) ?? {}),
          })),
        )
        .onConflict((oc) =>
          oc.columns(['tenant_id', 'partner_id']).doUpdateSet((eb) => ({
            partner: eb.ref('excluded.partner'),
            ...(properties ? { properties: eb.ref('excluded.properties') } : {}),
            synced_at: sql<Date>`now()`,
            deleted_at: null,
          })),
        )
        .execute();
    }
  }

  /**
   * Records the CRM values just written, so the next comparison sees them without a re-read. `before` is what the
   * write-back compared against (the stored values): when the row still holds exactly those, its digest moves on to
   * the merged values, so a later read that finds them writes nothing; otherwise (or without `before`) the digest is
   * cleared and the next read rewrites the row whatever it finds.
   */
  async recordDealValues(
    tenantId: string,
    written: ReadonlyMap<string, Record<string, string>>,
    before?: ReadonlyMap<string, Readonly<Record<string, string | null>>>,
  ): Promise<void> {
    for (const batch of chunks([...written], CHUNK)) {
      const rows = batch.map(([id, vals]) => {
        const previous = before?.get(id);
        return {
          id,
          vals,
          before_digest: previous ? propertiesDigest(previous) : null,
          after_digest: previous ? propertiesDigest({ ...previous, ...vals }) : null,
        };
      });
      await sql`
        update crm_deals as d set
          properties = d.properties || r.vals,
          digest = case when split_part(d.digest, '.', 2) = r.before_digest
            then split_part(d.digest, '.', 1) || '.' || r.after_digest end
        from ${recordset(JSON.stringify(rows), { id: 'text', vals: 'jsonb', before_digest: 'text', after_digest: 'text' })}
        where d.tenant_id = ${tenantId} and d.deal_id = r.id`.execute(this.db);
    }
  }

  /** The same for partner companies. */
  async recordPartnerValues(tenantId: string, written: ReadonlyMap<string, Record<string, string>>): Promise<void> {
    for (const batch of chunks([...written], CHUNK)) {
      await sql`
        update crm_partners as p set properties = p.properties || r.vals
        from ${recordset(JSON.stringify(batch.map(([id, vals]) => ({ id, vals }))), { id: 'text', vals: 'jsonb' })}
        where p.tenant_id = ${tenantId} and p.partner_id = r.id`.execute(this.db);
    }
  }

  /**
   * Records gone from the CRM. `read` (deals): the number of the read that found them gone (`readStart`); a deal a
   * later read stored stays, and a read that began earlier will not bring it back (`upsertDeals`).
   */
  async markDeleted(
    tenantId: string,
    objectType: 'deals' | 'companies',
    ids: readonly string[],
    read?: string,
  ): Promise<void> {
    if (ids.length === 0) return;
    for (const batch of chunks(ids, CHUNK)) {
      if (objectType === 'deals') {
        await this.db
          .updateTable('crm_deals')
          .set({ deleted_at: new Date(), ...(read ? { read_seq: read } : {}) })
          .where('tenant_id', '=', tenantId)
          .where('deal_id', 'in', batch)
          .where('deleted_at', 'is', null)
          .$if(read !== undefined, (query) =>
            query.where((eb) =>
              eb.or([eb('read_seq', 'is', null), eb('read_seq', '<=', sql<string>`${read}::bigint`)]),
            ),
          )
          .execute();
      } else {
        await this.db
          .updateTable('crm_partners')
          .set({ deleted_at: new Date() })
          .where('tenant_id', '=', tenantId)
          .where('partner_id', 'in', batch)
          .where('deleted_at', 'is', null)
          .execute();
      }
    }
  }

  /** Partners that are no longer flagged `pl_is_partner` (or no longer exist) leave the roster. */
  async retirePartners(tenantId: string, ids: readonly string[]): Promise<void> {
    await this.markDeleted(tenantId, 'companies', ids);
  }

  /**
   * After a full read that began at `readStartedAt` (the store's clock): every live row the read did not see, and that
   * nobody stored since it began (a webhook drain storing a deal created meanwhile), was deleted in the CRM. `read`
   * (the read's number): a read that began before it will not bring them back.
   */
  async markUnseenDeleted(
    tenantId: string,
    objectType: 'deals' | 'companies',
    seen: ReadonlySet<string>,
    readStartedAt: string,
    read?: string,
  ) {
    const { rows } =
      objectType === 'deals'
        ? await sql<{ id: string }>`
            select deal_id as id from crm_deals
            where tenant_id = ${tenantId} and deleted_at is null and synced_at < ${readStartedAt}::timestamptz`.execute(
            this.db,
          )
        : await sql<{ id: string }>`
            select partner_id as id from crm_partners
            where tenant_id = ${tenantId} and deleted_at is null and synced_at < ${readStartedAt}::timestamptz`.execute(
            this.db,
          );
    const gone = rows.map((row) => row.id).filter((id) => !seen.has(id));
    await this.markDeleted(tenantId, objectType, gone, read);
    return gone.length;
  }

  async addAlias(tenantId: string, objectType: string, oldId: string, newId: string): Promise<void> {
    if (oldId === newId) return;
    await this.db
      .insertInto('record_aliases')
      .values({ tenant_id: tenantId, object_type: objectType, old_id: oldId, new_id: newId })
      .onConflict((oc) => oc.columns(['tenant_id', 'object_type', 'old_id']).doUpdateSet({ new_id: newId }))
      .execute();
  }

  /**
   * The ids records live under now, for many ids at once: one query per merge-chain depth (not one per id), so a
   * drain round never loops over awaited queries — on PGlite that would stall the webhook acknowledgements.
   */
  async resolveIds(tenantId: string, objectType: string, ids: readonly string[]): Promise<Map<string, string>> {
    const resolved = new Map(ids.map((id) => [id, id]));
    let frontier = [...new Set(ids)];
    for (let depth = 0; depth < 20 && frontier.length > 0; depth += 1) {
      const next = new Map<string, string>();
      for (const batch of chunks(frontier, 1000)) {
        const rows = await this.db
          .selectFrom('record_aliases')
          .select(['old_id', 'new_id'])
          .where('tenant_id', '=', tenantId)
          .where('object_type', '=', objectType)
          .where('old_id', 'in', batch)
          .execute();
        for (const row of rows) next.set(row.old_id, row.new_id);
      }
      if (next.size === 0) break;
      for (const [original, current] of resolved) {
        const newer = next.get(current);
        if (newer !== undefined && newer !== original) resolved.set(original, newer);
      }
      frontier = [...new Set(next.values())].filter((id) => !next.has(id) || next.get(id) !== id);
    }
    return resolved;
  }

  /** The id a record lives under now, following merges (old → new → newer), cycle-safe. */
  async resolveId(tenantId: string, objectType: string, id: string): Promise<string> {
    let current = id;
    const seen = new Set<string>([id]);
    for (;;) {
      const row = await this.db
        .selectFrom('record_aliases')
        .select('new_id')
        .where('tenant_id', '=', tenantId)
        .where('object_type', '=', objectType)
        .where('old_id', '=', current)
        .executeTakeFirst();
      if (!row || seen.has(row.new_id)) return current;
      current = row.new_id;
      seen.add(current);
    }
  }

  async findDeal(tenantId: string, dealId: string): Promise<MirroredDeal | undefined> {
    const row = await this.db
      .selectFrom('crm_deals')
      .select(['deal', 'properties', 'unlabeled_partner_ids', 'account_partner_ids', 'deleted_at'])
      .where('tenant_id', '=', tenantId)
      .where('deal_id', '=', dealId)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      deal: dealSchema.parse(row.deal) as Deal,
      properties: row.properties,
      unlabeledPartnerIds: row.unlabeled_partner_ids,
      accountPartnerIds: row.account_partner_ids,
      deletedAt: row.deleted_at,
    };
  }

  /**
   * A live deal by an id a request named (following merges; the edge checked its form, `requestedDealId`): 404 for a
   * deal this tenant does not have (or no longer has).
   */
  async requireLiveDeal(tenantId: string, dealId: string): Promise<MirroredDeal> {
    const deal = await this.findDeal(tenantId, await this.resolveId(tenantId, 'deals', dealId));
    if (!deal || deal.deletedAt) throw new NotFoundError(`deal ${dealId} is not known in this portal`);
    return deal;
  }

  /** Every live deal, in id order; read in pages so no single statement holds the (PGlite) thread for long. */
  async liveDeals(tenantId: string): Promise<CanonicalDeal[]> {
    const out: CanonicalDeal[] = [];
    let after = '';
    for (;;) {
      const rows = await this.db
        .selectFrom('crm_deals')
        .select(['deal_id', 'deal', 'properties', 'unlabeled_partner_ids', 'account_partner_ids'])
        .where('tenant_id', '=', tenantId)
        .where('deleted_at', 'is', null)
        .where('deal_id', '>', after)
        .orderBy('deal_id')
        .limit(LIVE_PAGE)
        .execute();
      for (const row of rows) {
        out.push({
          deal: row.deal as Deal,
          properties: row.properties,
          unlabeledPartnerIds: row.unlabeled_partner_ids,
          accountPartnerIds: row.account_partner_ids,
        });
      }
      if (rows.length < LIVE_PAGE) return out;
      after = (rows.at(-1) as { deal_id: string }).deal_id;
    }
  }

  /** Live deals by id (ids not mirrored, or deleted, are left out). */
  async dealsByIds(tenantId: string, ids: readonly string[]): Promise<CanonicalDeal[]> {
    const out: CanonicalDeal[] = [];
    for (const batch of chunks([...new Set(ids)], SMALL_READ)) {
      const rows = await this.db
        .selectFrom('crm_deals')
        .select(['deal', 'properties', 'unlabeled_partner_ids', 'account_partner_ids'])
        .where('tenant_id', '=', tenantId)
        .where('deal_id', 'in', batch)
        .where('deleted_at', 'is', null)
        .execute();
      for (const row of rows) {
        out.push({
          deal: row.deal as Deal,
          properties: row.properties,
          unlabeledPartnerIds: row.unlabeled_partner_ids,
          accountPartnerIds: row.account_partner_ids,
        });
      }
    }
    return out;
  }

  /**
   * Live deals (canonical model only) sharing a match key with `keys` (account, domain, name; see `dealMatchKeys`):
   * the stored deals a webhook pass compares changed deals with. At most `limit`, so one huge account cannot stall a
   * drain. Ids first, then the deals in small reads: on PGlite every statement holds the one connection, and a
   * webhook acknowledgement must be able to slip in between.
   */
  async dealsSharingKeys(tenantId: string, keys: readonly string[], limit = 5_000): Promise<Deal[]> {
    const ids = new Set<string>();
    for (const batch of chunks([...new Set(keys)], 500)) {
      if (ids.size >= limit) break;
      const rows = await this.db
        .selectFrom('deal_match_keys')
        .select('deal_id')
        .distinct()
        .where('tenant_id', '=', tenantId)
        .where('match_key', 'in', batch)
        .limit(limit)
        .execute();
      for (const row of rows) ids.add(row.deal_id);
    }
    const out: Deal[] = [];
    for (const batch of chunks([...ids].sort().slice(0, limit), SMALL_READ)) {
      const rows = await this.db
        .selectFrom('crm_deals')
        .select('deal')
        .where('tenant_id', '=', tenantId)
        .where('deal_id', 'in', batch)
        .where('deleted_at', 'is', null)
        .execute();
      for (const row of rows) out.push(row.deal as Deal);
    }
    return out;
  }

  /** The raw CRM values of the live partners (what company write-backs compare against). */
  async livePartnerProperties(tenantId: string): Promise<Map<string, Record<string, string | null>>> {
    const rows = await this.db
      .selectFrom('crm_partners')
      .select(['partner_id', 'properties'])
      .where('tenant_id', '=', tenantId)
      .where('deleted_at', 'is', null)
      .execute();
    return new Map(rows.map((row) => [row.partner_id, row.properties]));
  }

  /**
   * The tenant's partner roster, in id order. Every card view and write-back needs it, so it is kept per tenant and
   * re-read only when the roster rows changed (`rosterVersionOf`).
   */
  async livePartners(tenantId: string): Promise<Partner[]> {
    const version = await rosterVersionOf(tenantId).execute(this.db);
    return [...(await this.rosterAt(tenantId, version.rows[0]?.version ?? ''))];
  }

  /** The roster at a version a statement just read (`rosterVersionOf`): the cached one, or read again. */
  async rosterAt(tenantId: string, version: string): Promise<readonly Partner[]> {
    const cached = this.#rosters.get(tenantId);
    if (cached?.version === version) return cached.partners;
    const rows = await this.db
      .selectFrom('crm_partners')
      .select('partner')
      .where('tenant_id', '=', tenantId)
      .where('deleted_at', 'is', null)
      .orderBy('partner_id')
      .execute();
    const partners = Object.freeze(rows.map((row) => Object.freeze(partnerSchema.parse(row.partner)) as Partner));
    this.#rosters.set(tenantId, { version, partners });
    return partners;
  }

  async counts(tenantId: string): Promise<{ deals: number; partners: number; deletedDeals: number }> {
    const deals = await this.db
      .selectFrom('crm_deals')
      .select((eb) => [eb.fn.countAll<string>().as('all'), eb.fn.count<string>('deleted_at').as('deleted')])
      .where('tenant_id', '=', tenantId)
      .executeTakeFirstOrThrow();
    const partners = await this.db
      .selectFrom('crm_partners')
      .select((eb) => eb.fn.countAll<string>().as('all'))
      .where('tenant_id', '=', tenantId)
      .where('deleted_at', 'is', null)
      .executeTakeFirstOrThrow();
    return {
      deals: Number(deals.all) - Number(deals.deleted),
      deletedDeals: Number(deals.deleted),
      partners: Number(partners.all),
    };
  }
}
