import { type Kysely, sql } from 'kysely';
import { up as twoArgumentCardInputs } from './0019-card-inputs-batched.migration.ts';

/**
 * The card views' read (0019) returns only the raw deal properties its caller names (`p_properties`: the ones a
 * deal's attribution evaluation and the card read, sync/card/card.repo.ts), not all of them: ~1 kB of JSON per view
 * that the database serialised and the service parsed for four values. And it follows merge aliases only for an id
 * that has one (most have none): the recursive query ran for every view. Everything else is as in 0019.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function card_inputs_many(p_tenants text[], p_deals text[], p_properties text[])
    returns table (item integer, deal jsonb, properties jsonb, unlabeled_partner_ids jsonb, account_partner_ids jsonb,
      splits jsonb, partners_at_close jsonb, has_motions boolean, scores jsonb, fit jsonb, duplicates jsonb,
      roster_version text)
    language plpgsql stable as $$
    declare
      v_i integer;
      v_tenant text;
      v_deal text;
      v_versions jsonb := '{}'::jsonb;
      v_version text;
      v_live text;
    begin
      if coalesce(array_length(p_tenants, 1), 0) <> coalesce(array_length(p_deals, 1), 0) then
        raise exception 'card_inputs_many: % tenants for % deals', array_length(p_tenants, 1), array_length(p_deals, 1);
      end if;
      for v_i in 1 .. coalesce(array_length(p_deals, 1), 0) loop
        v_tenant := p_tenants[v_i];
        v_deal := p_deals[v_i];
        v_version := v_versions->>v_tenant;
        if v_version is null then
          v_version := roster_version(v_tenant);
          v_versions := v_versions || jsonb_build_object(v_tenant, v_version);
        end if;
        -- The live deal the id names: itself, unless a merge left an alias (then the end of the chain, cycle-safe).
        v_live := v_deal;
        if exists (select 1 from record_aliases a
            where a.tenant_id = v_tenant and a.object_type = 'deals' and a.old_id = v_deal) then
          with recursive chain(id, path) as (
            select v_deal, array[v_deal]
            union all
            select a.new_id, c.path || a.new_id
            from chain c
            join record_aliases a on a.tenant_id = v_tenant and a.object_type = 'deals' and a.old_id = c.id
            where not a.new_id = any(c.path)
          )
          select chain.id into v_live from chain order by cardinality(chain.path) desc limit 1;
        end if;
        return query
        with d as (
          select d.deal_id, d.deal, d.properties, d.unlabeled_partner_ids, d.account_partner_ids
          from crm_deals d
          where d.tenant_id = v_tenant and d.deleted_at is null
            and d.deal_id = v_live
        )
        select
          v_i, d.deal,
          (select coalesce(jsonb_object_agg(k, d.properties->k), '{}'::jsonb)
            from unnest(p_properties) k where d.properties ? k),
          d.unlabeled_partner_ids, d.account_partner_ids,
          (select coalesce(jsonb_agg(jsonb_build_object('partnerId', s.partner_id, 'role', s.role,
              'splitPct', s.split_pct)), '[]'::jsonb)
            from deal_partner_splits s where s.tenant_id = v_tenant and s.deal_id = d.deal_id),
          (select a.partners_at_close from deal_attributions a where a.tenant_id = v_tenant and a.deal_id = d.deal_id),
          exists (select 1 from cosell_motions m where m.tenant_id = v_tenant and m.deal_id = d.deal_id),
          (select coalesce(jsonb_agg(jsonb_build_object('partnerId', p.partner_id, 'tier', p.tier,
              'score', p.score)), '[]'::jsonb)
            from partner_scores p
            where p.tenant_id = v_tenant
              and p.partner_id = any (array(select jsonb_array_elements(d.deal->'partners')->>'partnerId'))),
          (select jsonb_build_object('partnerId', f.next_best_partner_id, 'fitScore', f.next_best_fit_score,
              'reason', f.next_best_reason)
            from deal_fits f where f.tenant_id = v_tenant and f.deal_id = d.deal_id),
          (select jsonb_build_object('memberIds', x.member_ids, 'kind', x.kind, 'confidence', x.confidence,
              'reasons', x.reasons, 'names',
              (select jsonb_object_agg(o.deal_id, o.deal->>'name') from crm_deals o
                where o.tenant_id = v_tenant and o.deleted_at is null
                  and o.deal_id = any (array(select jsonb_array_elements_text(x.member_ids)))))
            from deal_duplicates x where x.tenant_id = v_tenant and x.deal_id = d.deal_id),
          v_version
        from d;
      end loop;
    end $$`.execute(db);
  await sql`drop function if exists card_inputs_many(text[], text[])`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop function if exists card_inputs_many(text[], text[], text[])`.execute(db);
  await twoArgumentCardInputs(db);
}
