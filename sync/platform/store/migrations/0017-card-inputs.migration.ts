import { type Kysely, sql } from 'kysely';

/**
 * The card view's one read (sync/card/card.repo.ts) as a PL/pgSQL function: its statement is planned once per
 * connection and the plan kept (planning the same statement sent as text took longer than running it: 1.6 ms against
 * 0.4 ms at 10k deals). Every part is an index lookup by tenant and deal: the merge chain (cycle-safe), the live deal,
 * its splits, partners at close, whether it has co-sell motions, its tagged partners' scores, its fit, its duplicate
 * cluster with the live members' names, and the roster's version (`roster_version`, which the mirror's roster cache
 * reads too).
 */
/**
 * The roster's version as one scalar: the row count, the deleted count and the sum of the rows' xmin (the writing
 * transaction, which every insert or update of a row moves), whichever replica wrote, in whatever order they commit.
 * Replaced by a counter in 0020, whose `down` puts this one back.
 */
export async function createAggregateRosterVersion(db: Kysely<unknown>): Promise<void> {
  await sql`
    create or replace function roster_version(p_tenant text) returns text language sql stable as $$
      select count(*) || '.' || count(deleted_at) || '.' || coalesce(sum(xmin::text::bigint), 0)
      from crm_partners where tenant_id = p_tenant
    $$`.execute(db);
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await createAggregateRosterVersion(db);
  await sql`
    create or replace function card_inputs(p_tenant text, p_deal text)
    returns table (deal jsonb, properties jsonb, unlabeled_partner_ids jsonb, account_partner_ids jsonb, splits jsonb,
      partners_at_close jsonb, has_motions boolean, scores jsonb, fit jsonb, duplicates jsonb, roster_version text)
    language plpgsql stable as $$
    begin
      return query
      with recursive chain(id, path) as (
        select p_deal, array[p_deal]
        union all
        select a.new_id, c.path || a.new_id
        from chain c
        join record_aliases a on a.tenant_id = p_tenant and a.object_type = 'deals' and a.old_id = c.id
        where not a.new_id = any(c.path)
      ),
      d as (
        select d.deal_id, d.deal, d.properties, d.unlabeled_partner_ids, d.account_partner_ids
        from crm_deals d
        where d.tenant_id = p_tenant and d.deleted_at is null
          and d.deal_id = (select id from chain order by cardinality(path) desc limit 1)
      )
      select
        d.deal, d.properties, d.unlabeled_partner_ids, d.account_partner_ids,
        (select coalesce(jsonb_agg(jsonb_build_object('partnerId', s.partner_id, 'role', s.role,
            'splitPct', s.split_pct)), '[]'::jsonb)
          from deal_partner_splits s where s.tenant_id = p_tenant and s.deal_id = d.deal_id),
        (select a.partners_at_close from deal_attributions a where a.tenant_id = p_tenant and a.deal_id = d.deal_id),
        exists (select 1 from cosell_motions m where m.tenant_id = p_tenant and m.deal_id = d.deal_id),
        (select coalesce(jsonb_agg(jsonb_build_object('partnerId', p.partner_id, 'tier', p.tier,
            'score', p.score)), '[]'::jsonb)
          from partner_scores p
          where p.tenant_id = p_tenant
            and p.partner_id = any (array(select jsonb_array_elements(d.deal->'partners')->>'partnerId'))),
        (select jsonb_build_object('partnerId', f.next_best_partner_id, 'fitScore', f.next_best_fit_score,
            'reason', f.next_best_reason)
          from deal_fits f where f.tenant_id = p_tenant and f.deal_id = d.deal_id),
        (select jsonb_build_object('memberIds', x.member_ids, 'kind', x.kind, 'confidence', x.confidence,
            'reasons', x.reasons, 'names',
            (select jsonb_object_agg(o.deal_id, o.deal->>'name') from crm_deals o
              where o.tenant_id = p_tenant and o.deleted_at is null
                and o.deal_id = any (array(select jsonb_array_elements_text(x.member_ids)))))
          from deal_duplicates x where x.tenant_id = p_tenant and x.deal_id = d.deal_id),
        roster_version(p_tenant)
      from d;
    end $$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop function if exists card_inputs(text, text)`.execute(db);
  await sql`drop function if exists roster_version(text)`.execute(db);
}
