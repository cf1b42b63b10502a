import type { Deal, PartnerRole } from '../model/deal.ts';
import {
  type CompanyName,
  type DealIntent,
  dayNumber,
  normalizeAmount,
  normalizeCompanyName,
  normalizeDomain,
  normalizeText,
  parseDealName,
  productFamilies,
} from './deal-normalization.ts';

/** Everything the matcher compares, computed once per deal. */
export interface DealFeatures {
  index: number;
  id: string;
  accountId: string;
  /** Normalized account name without legal form (`acme robotics`). */
  accountCore: string;
  accountTokens: readonly string[];
  legalFamily: string | null;
  domain: string | null;
  /** Normalized full deal name (what the exact-match baseline compares). */
  name: string;
  /** Deal-name tokens that describe the deal (account-name, legal-form and filler words removed). */
  descriptor: readonly string[];
  amount: number | null;
  currency: string | null;
  closeDay: number | null;
  createdDay: number | null;
  createdMs: number;
  /** Product families listed on the deal; when none are listed, those its name mentions (see below). */
  families: readonly string[];
  intent: DealIntent | null;
  nameYear: number | null;
  nameQuarter: number | null;
  nameUnits: number | null;
  /** Partners whose role claims the deal (a registration): sorted, unique. */
  registrants: readonly string[];
  ownerId: string | null;
  region: string | null;
  /** How many optional fields are filled (survivor choice prefers complete records). */
  completeness: number;
}

export interface FeatureOptions {
  registrationRoles: readonly PartnerRole[];
  productFamilies?: Readonly<Record<string, string>> | undefined;
  /** Shared across the deals of one run: accounts, domains and products repeat, their normalization need not. */
  cache?: FeatureCache | undefined;
}

export interface FeatureCache {
  companies: Map<string, CompanyName>;
  domains: Map<string, string | null>;
  families: Map<string, readonly string[]>;
}

export function newFeatureCache(): FeatureCache {
  return { companies: new Map(), domains: new Map(), families: new Map() };
}

function cached<V>(map: Map<string, V> | undefined, key: string, compute: () => V): V {
  if (map === undefined) return compute();
  const hit = map.get(key);
  if (hit !== undefined || map.has(key)) return hit as V;
  const value = compute();
  map.set(key, value);
  return value;
}

const DESCRIPTOR_FILLER = new Set([
  'deal',
  'deals',
  'opportunity',
  'opp',
  'oppty',
  'the',
  'for',
  'and',
  'of',
  'with',
  'via',
  'by',
  'to',
  'a',
  'reg',
  'registration',
  'registered',
]);
const LEGAL_TOKENS = new Set([
  'inc',
  'llc',
  'ltd',
  'corp',
  'co',
  'gmbh',
  'ag',
  'sa',
  'sas',
  'bv',
  'nv',
  'plc',
  'limited',
]);

export function dealFeatures(deal: Deal, index: number, options: FeatureOptions): DealFeatures {
  const cache = options.cache;
  const company = cached(cache?.companies, deal.account.name, () => normalizeCompanyName(deal.account.name));
  const rawDomain = deal.account.domain;
  const domain = rawDomain === null ? null : cached(cache?.domains, rawDomain, () => normalizeDomain(rawDomain));
  const families = cached(cache?.families, deal.products.join('\u0000'), () =>
    productFamilies(deal.products, options.productFamilies),
  );
  const facts = parseDealName(deal.name);
  const accountTokens = new Set(company.tokens);
  const descriptor = [
    ...new Set(facts.tokens.filter((t) => !accountTokens.has(t) && !DESCRIPTOR_FILLER.has(t) && !LEGAL_TOKENS.has(t))),
  ].sort();
  const registrants = [
    ...new Set(deal.partners.filter((p) => options.registrationRoles.includes(p.role)).map((p) => p.partnerId)),
  ].sort();
  const createdMs = Date.parse(deal.createdAt.length === 10 ? `${deal.createdAt}T00:00:00Z` : deal.createdAt);
  const filled = [
    deal.amount,
    deal.currency,
    deal.closeDate,
    deal.type,
    deal.ownerId,
    deal.region,
    deal.leadSource,
    deal.account.domain,
    deal.lossReason,
  ].filter((value) => value !== null).length;
  return {
    index,
    id: deal.id,
    accountId: deal.account.id,
    accountCore: company.core,
    accountTokens: company.tokens,
    legalFamily: company.legalFamily,
    domain,
    name: facts.text,
    descriptor,
    amount: normalizeAmount(deal.amount),
    currency: deal.currency,
    closeDay: dayNumber(deal.closeDate),
    createdDay: Number.isFinite(createdMs) ? Math.floor(createdMs / 86_400_000) : null,
    createdMs: Number.isFinite(createdMs) ? createdMs : Number.POSITIVE_INFINITY,
    families,
    intent: deal.type ?? facts.intent,
    nameYear: facts.year,
    nameQuarter: facts.quarter,
    nameUnits: facts.units,
    registrants,
    ownerId: deal.ownerId,
    region: deal.region === null ? null : normalizeText(deal.region),
    completeness: filled + (deal.products.length > 0 ? 1 : 0) + (deal.partners.length > 0 ? 1 : 0),
  };
}

/**
 * Deals without products often say in their name what they are about ("Acme - Analytics", "Acme Payments upsell").
 * For those, the product families known from the other deals' products that the name's descriptor mentions stand in,
 * so "Acme - Analytics" and "Acme - Payments" still count as different products.
 */
export function inferFamiliesFromNames(features: DealFeatures[], knownFamilies: readonly string[] = []): void {
  const byFirstToken = new Map<string, Array<readonly string[]>>();
  const seen = new Set<string>();
  for (const families of [knownFamilies, ...features.map((feature) => feature.families)]) {
    for (const family of families) {
      if (seen.has(family)) continue;
      seen.add(family);
      const tokens = family.split(' ');
      const list = byFirstToken.get(tokens[0] as string);
      if (list) list.push(tokens);
      else byFirstToken.set(tokens[0] as string, [tokens]);
    }
  }
  if (seen.size === 0) return;
  for (const feature of features) {
    if (feature.families.length > 0 || feature.descriptor.length === 0) continue;
    const words = new Set(feature.descriptor);
    const named = new Set<string>();
    for (const word of feature.descriptor) {
      for (const tokens of byFirstToken.get(word) ?? []) {
        if (tokens.every((token) => words.has(token))) named.add(tokens.join(' '));
      }
    }
    if (named.size > 0) feature.families = [...named].sort();
  }
}
