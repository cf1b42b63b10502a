import { type DealPartner, PARTNER_ROLES, type PartnerRole } from '../model/deal.ts';
import { capitalize, compareIds, formatPct, partnerLabel, partnerList } from './attribution-model.ts';

/** Splits of one role must sum to 100 within this tolerance (three partners at 33.33 % are fine). */
export const SPLIT_SUM_TOLERANCE = 0.01;
// Float sums of decimals land a hair off (33.33 × 3 = 99.99000000000001): compare with a little slack.
const EPSILON = 1e-9;

export interface RolePartners {
  role: PartnerRole;
  partnerIds: string[];
}

/** The tagged partners grouped by role, roles in canonical order, partners by id. */
export function partnersByRole(partners: readonly DealPartner[]): Map<PartnerRole, DealPartner[]> {
  const groups = new Map<PartnerRole, DealPartner[]>();
  for (const role of PARTNER_ROLES) {
    const members = partners.filter((p) => p.role === role).sort((a, b) => compareIds(a.partnerId, b.partnerId));
    if (members.length > 0) groups.set(role, members);
  }
  return groups;
}

/**
 * Problems with the splits that are given, per role. These are always errors, whatever the stage: a split out of
 * range, a split given for some partners of a role but not others, splits of a role not summing to 100. A role
 * without any split is not a problem here (one partner holds the whole role; several are judged by
 * `rolesWithoutSplits` when splits are required).
 */
export function splitProblems(partners: readonly DealPartner[], names?: Readonly<Record<string, string>>): string[] {
  const problems: string[] = [];
  for (const [role, members] of partnersByRole(partners)) {
    const outOfRange = members.filter((p) => p.splitPct !== null && (p.splitPct < 0 || p.splitPct > 100));
    for (const p of outOfRange) {
      problems.push(
        `The ${role} split of ${partnerLabel(p.partnerId, names)} is ${formatPct(p.splitPct ?? 0)}; ` +
          'a split is between 0% and 100%',
      );
    }
    const withSplit = members.filter((p) => p.splitPct !== null);
    if (withSplit.length === 0 || outOfRange.length > 0) continue;
    const without = members.filter((p) => p.splitPct === null).map((p) => p.partnerId);
    if (without.length > 0) {
      problems.push(
        `${capitalize(role)} splits are incomplete: ${partnerList(without, names)} ${without.length === 1 ? 'has' : 'have'} ` +
          `no split; give every ${role} partner a split`,
      );
      continue;
    }
    const sum = withSplit.reduce((total, p) => total + (p.splitPct ?? 0), 0);
    if (Math.abs(sum - 100) > SPLIT_SUM_TOLERANCE + EPSILON) {
      problems.push(`${capitalize(role)} splits sum to ${formatPct(sum)}, not 100%`);
    }
  }
  return problems;
}

/** Roles held by two or more partners none of which has a split. */
export function rolesWithoutSplits(partners: readonly DealPartner[]): RolePartners[] {
  const roles: RolePartners[] = [];
  for (const [role, members] of partnersByRole(partners)) {
    const partnerIds = [...new Set(members.map((p) => p.partnerId))];
    if (partnerIds.length > 1 && members.every((p) => p.splitPct === null)) roles.push({ role, partnerIds });
  }
  return roles;
}
