import { type DealPartner, PARTNER_ROLES, type PartnerRole } from '../model/deal.ts';
import { hygieneFindings } from './attribution-hygiene.ts';
import type { AttributionInput, AttributionResult, AttributionStatus } from './attribution-model.ts';
import {
  capitalize,
  compareIds,
  partnerLabel,
  partnerList,
  STATUS_PRECEDENCE,
  uniqueSorted,
} from './attribution-model.ts';
import { type AttributionRules, DEFAULT_ATTRIBUTION_RULES, type RequirementKind } from './attribution-rules.ts';
import { rolesWithoutSplits, splitProblems } from './attribution-splits.ts';
import { decideAutoTag, registrationConflictIssue } from './auto-tag.ts';
import { approvedRegistrationPartners, partnerInvolvement, unlabeledPartners } from './partner-involvement.ts';
import { type ApplicableRequirements, applicableRequirements } from './requirement-scope.ts';

/**
 * Evaluates the attribution of one deal against the tenant's rules (SPEC §2.1). Pure: the same input and rules give
 * the same result, issues included, so the writer can compare the derived CRM values and write only changes.
 *
 * Status precedence (first that applies, see STATUS_PRECEDENCE):
 * 1. `not_partner_involved` — nothing makes the deal partner-involved; nothing else is judged (hygiene still is).
 * 2. `conflict` — approved registrations from two or more partners; auto-tag needed but two or more candidates; two
 *    or more `sourced` partners none of which has a split; a `sourced` partner other than the one holding the only
 *    approved registration.
 * 3. `missing_partner` — no partner associated at all (requirement `partner` or `sourcedPartner`), or partners
 *    tagged but none as `sourced` (requirement `sourcedPartner`) and none left without a role.
 * 4. `missing_role` — partners associated without a role (requirement `role`; or `sourcedPartner` when no partner is
 *    tagged as sourced and unlabelled partners might be the source).
 * 5. `invalid_split` — a split outside 0–100; splits given for some partners of a role but not all; splits of a role
 *    not summing to 100 ± 0.01; or (requirement `splits`) a non-sourced role held by several partners without splits.
 * 6. `complete`.
 *
 * Decisions:
 * - What is *missing* (partner, sourced partner, role, required splits) is only enforced where a matching rule is in
 *   force, from its `fromStage` on. Before that the status does not reflect it; the issues carry a note
 *   `Not yet required (from stage "…"): …` so the seller sees what is coming. What is *contradictory* (conflicts,
 *   splits that are given but wrong) is enforced at every stage: a wrong number is wrong early too.
 * - The status and issues assume `autoTag`, when present, is applied by the writer: the tag is unambiguous, and
 *   evaluating as if it were applied keeps the written status stable across the re-evaluation the tag triggers.
 * - A frozen (closed) deal is evaluated like any other; it is never auto-tagged, and a missing partner says that
 *   only an admin override can add one.
 */
export function evaluateAttribution(
  input: AttributionInput,
  rules: AttributionRules = DEFAULT_ATTRIBUTION_RULES,
): AttributionResult {
  const { deal, partnerNames: names } = input;
  const frozen = deal.isClosed && rules.freezeAfterClose;
  const hygiene = hygieneFindings(input, rules);
  const involvement = partnerInvolvement(input, rules);
  if (!involvement.involved) {
    return {
      status: 'not_partner_involved',
      issues: [],
      partnerInvolved: false,
      involvementReasons: [],
      hygiene,
      frozen,
    };
  }

  const decision = decideAutoTag(input, rules, involvement);
  const autoTag = decision.kind === 'tag' ? decision.tag : undefined;
  // In id then role order, so every issue reads the same whatever order the CRM returned the associations in.
  const partners: readonly DealPartner[] = [
    ...deal.partners,
    ...(autoTag ? [{ partnerId: autoTag.partnerId, role: autoTag.role, splitPct: null }] : []),
  ].sort((a, b) => compareIds(a.partnerId, b.partnerId) || roleOrder(a.role) - roleOrder(b.role));
  // Tagging a partner that was associated without a role gives it that role.
  const unlabeled = unlabeledPartners(input).filter((id) => id !== autoTag?.partnerId);
  const requirements = applicableRequirements(deal, input.pipeline, rules);

  const problems: { status: AttributionStatus; message: string }[] = [];
  const notes: string[] = [];
  /** Records an unmet requirement: an issue when one of `kinds` is in force, else a note if one is coming. */
  const unmet = (kinds: readonly RequirementKind[], status: AttributionStatus, message: string) => {
    if (kinds.some((kind) => requirements.enforced[kind])) problems.push({ status, message });
    else {
      const stage = earliestUpcoming(kinds, requirements, rules);
      if (stage !== undefined) notes.push(`Not yet required (from stage "${stage}"): ${message}`);
    }
  };

  // Conflicts: enforced at every stage.
  const approved = approvedRegistrationPartners(input);
  const registrationConflict = approved.length > 1 ? registrationConflictIssue(approved, names) : null;
  if (registrationConflict) problems.push({ status: 'conflict', message: registrationConflict });
  if (decision.kind === 'conflict' && decision.issue !== registrationConflict) {
    problems.push({ status: 'conflict', message: decision.issue });
  }
  const sourcedEntries = partners.filter((p) => p.role === 'sourced');
  const sourced = uniqueSorted(sourcedEntries.map((p) => p.partnerId));
  if (sourced.length > 1 && sourcedEntries.every((p) => p.splitPct === null)) {
    problems.push({
      status: 'conflict',
      message:
        `${sourced.length} partners are tagged as sourced (${partnerList(sourced, names)}) without splits; ` +
        'keep one or split 100% between them',
    });
  }
  const [registered] = approved;
  if (approved.length === 1 && registered !== undefined && sourced.length > 0 && !sourced.includes(registered)) {
    problems.push({
      status: 'conflict',
      message:
        `${capitalize(partnerLabel(registered, names))} holds the approved registration but ` +
        `${partnerList(sourced, names)} ${sourced.length === 1 ? 'is' : 'are'} tagged as sourced`,
    });
  }

  // Missing partner / role: enforced from the stage of a matching rule on.
  const hasAnyPartner = partners.length > 0 || unlabeled.length > 0;
  const ambiguous = registrationConflict !== null || decision.kind === 'conflict';
  if (!hasAnyPartner && !ambiguous) {
    unmet(
      ['partner', 'sourcedPartner'],
      'missing_partner',
      noPartnerIssue(input, involvement.partnerLeadSource, frozen),
    );
  } else if (hasAnyPartner && sourced.length === 0) {
    if (unlabeled.length === 0) {
      const tagged = partners.map((p) => `${partnerLabel(p.partnerId, names)} as ${p.role}`).join(', ');
      unmet(['sourcedPartner'], 'missing_partner', `No partner is tagged as sourced (tagged: ${tagged})`);
    } else if (!requirements.enforced.role) {
      // When roles are enforced, the role issue below already asks for them; one request is enough.
      const has = unlabeled.length === 1 ? 'has' : 'have';
      unmet(
        ['sourcedPartner'],
        'missing_role',
        `No partner is tagged as sourced; ${partnerList(unlabeled, names)} ${has} no role yet`,
      );
    }
  }
  if (unlabeled.length > 0) {
    const message =
      unlabeled.length === 1
        ? `${capitalize(partnerLabel(unlabeled[0]!, names))} is associated without a role`
        : `${unlabeled.length} partners are associated without a role (${partnerList(unlabeled, names)})`;
    unmet(['role'], 'missing_role', message);
  }

  // Splits: wrong values always, missing splits where required.
  for (const message of splitProblems(partners, names)) problems.push({ status: 'invalid_split', message });
  for (const { role, partnerIds } of rolesWithoutSplits(partners)) {
    if (role === 'sourced') continue; // two sources without splits is a conflict, reported above
    unmet(
      ['splits'],
      'invalid_split',
      `${partnerIds.length} partners are tagged as ${role} (${partnerList(partnerIds, names)}) without splits; ` +
        'give each a split so they sum to 100%',
    );
  }

  if (requirements.unplacedStage) notes.push(unplacedStageNote(deal.stage, requirements.pipeline, rules));

  const rank = (status: AttributionStatus) => STATUS_PRECEDENCE.indexOf(status);
  const ordered = [...problems].sort((a, b) => rank(a.status) - rank(b.status));
  const status = ordered[0]?.status ?? 'complete';
  return {
    status,
    issues: [...new Set([...ordered.map((p) => p.message), ...notes])],
    partnerInvolved: true,
    involvementReasons: involvement.reasons,
    hygiene,
    frozen,
    ...(autoTag ? { autoTag } : {}),
  };
}

function noPartnerIssue(input: AttributionInput, partnerLeadSource: boolean, frozen: boolean): string {
  const { deal, partnerNames: names } = input;
  const approved = approvedRegistrationPartners(input);
  let issue: string;
  if (partnerLeadSource) issue = `Lead source is "${deal.leadSource?.trim()}" but no partner is tagged`;
  else if (approved[0] !== undefined) {
    issue = `${capitalize(partnerLabel(approved[0], names))} holds an approved registration but is not tagged`;
  } else if (input.hasCoSellMotion) issue = 'A co-sell motion exists but no partner is tagged';
  else if (input.registrations.some((r) => r.status === 'pending')) {
    issue = 'A registration is pending approval but no partner is tagged';
  } else issue = 'Deal is partner-involved but no partner is tagged';
  // Auto-tag never touches a frozen deal, so tell the seller why the registration was not applied for them.
  return frozen ? `${issue}; the deal is closed, so only an admin override can tag one` : issue;
}

function roleOrder(role: PartnerRole): number {
  return PARTNER_ROLES.indexOf(role);
}

function earliestUpcoming(
  kinds: readonly RequirementKind[],
  requirements: ApplicableRequirements,
  rules: AttributionRules,
): string | undefined {
  const order = requirements.pipeline === null ? [] : (rules.stageOrder[requirements.pipeline] ?? []);
  const stages = kinds.map((kind) => requirements.upcoming[kind]).filter((s): s is string => s !== undefined);
  return stages.sort((a, b) => order.indexOf(a) - order.indexOf(b))[0];
}

function unplacedStageNote(stage: string, pipeline: string | null, rules: AttributionRules): string {
  const unchecked = 'stage-based requirements are not checked';
  if (pipeline === null) return `The deal has no pipeline; ${unchecked}`;
  if (!rules.stageOrder[pipeline]) return `Pipeline "${pipeline}" has no configured stage order; ${unchecked}`;
  return `Stage "${stage}" is not in the stage order of pipeline "${pipeline}"; ${unchecked}`;
}
