import { type Kysely, sql } from 'kysely';
import { createAggregateRosterVersion } from './0017-card-inputs.migration.ts';

/**
 * The roster's version kept as a counter per tenant (`roster_versions`), moved by triggers on `crm_partners`, so
 * `roster_version(tenant)` is one key lookup. It was an aggregate over every partner row of the tenant (count, deleted
 * count, sum of xmin: 0017), ~0.5 ms at 600 partners, and every card statement (`card_inputs_many`, 0019) and every
 * `livePartners` read ran it. Any insert, update or delete of a tenant's partner rows moves its counter, in the same
 * transaction, so a reader sees the version and the rows of one snapshot, as before. A statement that touches no row
 * moves nothing. No foreign key: a tenant's removal cascades into `crm_partners`, whose delete trigger then only updates
 * (a counter row left behind by a removed tenant is deleted with it below).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table roster_versions (
      tenant_id text primary key,
      version bigint not null
    )`.execute(db);
  await sql`
    insert into roster_versions (tenant_id, version)
    select tenant_id, 1 from crm_partners group by tenant_id`.execute(db);
  await sql`
    create function roster_version_moved() returns trigger language plpgsql as $$
    begin
      if tg_op = 'DELETE' then
        update roster_versions v set version = v.version + 1
        where v.tenant_id in (select distinct tenant_id from moved);
      else
        insert into roster_versions as v (tenant_id, version)
        select distinct tenant_id, 1 from moved
        on conflict (tenant_id) do update set version = v.version + 1;
      end if;
      return null;
    end $$`.execute(db);
  await sql`
    create trigger roster_version_insert after insert on crm_partners
    referencing new table as moved for each statement execute function roster_version_moved()`.execute(db);
  await sql`
    create trigger roster_version_update after update on crm_partners
    referencing new table as moved for each statement execute function roster_version_moved()`.execute(db);
  await sql`
    create trigger roster_version_delete after delete on crm_partners
    referencing old table as moved for each statement execute function roster_version_moved()`.execute(db);
  // A removed tenant's counter goes with it (the version of a tenant installed again later starts afresh).
  await sql`
    create function roster_version_tenant_removed() returns trigger language plpgsql as $$
    begin
      delete from roster_versions where tenant_id in (select id from removed);
      return null;
    end $$`.execute(db);
  await sql`
    create trigger roster_version_tenant_removed after delete on tenants
    referencing old table as removed for each statement execute function roster_version_tenant_removed()`.execute(db);
  await sql`
    create or replace function roster_version(p_tenant text) returns text language sql stable as $$
      select coalesce((select version::text from roster_versions where tenant_id = p_tenant), '0')
    $$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await createAggregateRosterVersion(db);
  await sql`drop trigger if exists roster_version_tenant_removed on tenants`.execute(db);
  await sql`drop function if exists roster_version_tenant_removed()`.execute(db);
  for (const event of ['insert', 'update', 'delete']) {
    await sql`drop trigger if exists ${sql.id(`roster_version_${event}`)} on crm_partners`.execute(db);
  }
  await sql`drop function if exists roster_version_moved()`.execute(db);
  await sql`drop table if exists roster_versions`.execute(db);
}
