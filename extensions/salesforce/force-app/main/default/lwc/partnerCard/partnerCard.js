import getCard from '@salesforce/apex/PartnerLoopCardController.getCard';
import markNotDuplicate from '@salesforce/apex/PartnerLoopCardController.markNotDuplicate';
import startCoSell from '@salesforce/apex/PartnerLoopCardController.startCoSell';
import tagPartner from '@salesforce/apex/PartnerLoopCardController.tagPartner';
import transitionMotion from '@salesforce/apex/PartnerLoopCardController.transitionMotion';
import untagPartner from '@salesforce/apex/PartnerLoopCardController.untagPartner';
import {
  ATTRIBUTION_STATUS,
  badgeClass,
  DEDUPE_STATUS,
  errorMessageOf,
  formatConfidence,
  formatScore,
  formatSplit,
  formatTier,
  parseCardView,
  roleLabel,
} from 'c/partnerLoopFormat';
import { ShowToastEvent } from 'lightning/platformShowToastEvent';
import { api, LightningElement } from 'lwc';

/**
 * The PartnerLoop card on the Opportunity record page: attribution, duplicates, partners, the next-best partner and
 * co-sell, as the HubSpot deal card shows them. Every read and change is one Apex call (PartnerLoopCardController →
 * Named Credential → the service); the card always re-renders from the CardView the service returns, never from a
 * local guess of what a change did.
 */
export default class PartnerCard extends LightningElement {
  @api recordId;

  view = null;
  loading = true;
  loadError = null;
  /** Name of the change in flight, or null; every action is disabled while one runs. */
  pending = null;
  /** The last change's failure, in words, shown until the next action. */
  actionError = null;

  // Each request takes a ticket; only the newest may write state, so a slow answer never overwrites a newer one.
  ticket = 0;

  connectedCallback() {
    void this.load();
  }

  async load() {
    const mine = ++this.ticket;
    this.loading = true;
    this.loadError = null;
    this.actionError = null;
    try {
      const view = parseCardView(await getCard({ opportunityId: this.recordId }));
      if (mine === this.ticket) this.view = view;
    } catch (error) {
      if (mine === this.ticket) this.loadError = errorMessageOf(error);
    } finally {
      if (mine === this.ticket) this.loading = false;
    }
  }

  /**
   * Runs one change: `call` is the Apex call, answering with the new CardView. One change at a time, so a double
   * click never sends the same change twice. Resolves true when the service accepted it.
   */
  async change(name, call, confirmation) {
    if (this.pending !== null) return false;
    const mine = ++this.ticket;
    this.pending = name;
    this.actionError = null;
    try {
      const view = parseCardView(await call());
      if (mine === this.ticket) this.view = view;
      this.toast('success', confirmation);
      return true;
    } catch (error) {
      const message = errorMessageOf(error);
      if (mine === this.ticket) this.actionError = message;
      this.toast('error', message, 'That change was not saved');
      return false;
    } finally {
      this.pending = null;
    }
  }

  toast(variant, message, title = 'PartnerLoop') {
    this.dispatchEvent(new ShowToastEvent({ title, message, variant }));
  }

  // --- what the template shows -----------------------------------------------------------------------------------

  get ready() {
    return !this.loading && this.loadError === null && this.view !== null;
  }

  get busy() {
    return this.pending !== null;
  }

  get attribution() {
    return this.view.attribution;
  }

  get frozen() {
    return this.view.attribution.frozen;
  }

  get attributionStatus() {
    const status = ATTRIBUTION_STATUS[this.attribution.status] ?? {
      label: this.attribution.status,
      variant: 'default',
    };
    return { label: status.label, badgeClass: badgeClass(status.variant) };
  }

  get issues() {
    return this.attribution.issues;
  }

  get hasIssues() {
    return this.attribution.issues.length > 0;
  }

  get suggestedFix() {
    const fix = this.attribution.suggestedFix;
    if (fix === null || this.frozen) return null;
    const label = roleLabel(fix.role);
    return { ...fix, roleLabel: label, buttonLabel: `Tag ${fix.name} as ${label}` };
  }

  get duplicates() {
    const confirmed = this.view.dedupe.status === 'confirmed';
    return this.view.dedupe.duplicates.map((duplicate) => {
      const conflict = duplicate.kind === 'registration_conflict';
      const danger = conflict || confirmed;
      return {
        ...duplicate,
        key: `${duplicate.kind}:${duplicate.otherDealId}`,
        title: conflict
          ? 'Registration conflict'
          : confirmed
            ? DEDUPE_STATUS.confirmed.label
            : DEDUPE_STATUS.suspected.label,
        lead: conflict ? 'Another registration covers the same buying event:' : 'This deal looks like',
        otherName: duplicate.otherDealName ?? `Deal ${duplicate.otherDealId}`,
        confidence: formatConfidence(duplicate.confidence),
        boxClass: `slds-box slds-box_x-small slds-m-bottom_small ${danger ? 'slds-theme_error' : 'slds-theme_warning'}`,
      };
    });
  }

  get partnerRows() {
    return this.attribution.partners.map((partner) => ({
      ...partner,
      key: `${partner.partnerId}:${partner.role}`,
      roleLabel: roleLabel(partner.role),
      split: formatSplit(partner.splitPct),
      tierLabel: formatTier(partner.tier),
      scoreLabel: formatScore(partner.score),
    }));
  }

  get hasPartners() {
    return this.attribution.partners.length > 0;
  }

  get notPartnerInvolved() {
    return this.attribution.status === 'not_partner_involved';
  }

  get nextBestPartner() {
    const next = this.view.nextBestPartner;
    return next === null ? null : { ...next, fit: formatScore(next.fitScore), chooseLabel: `Tag ${next.name}…` };
  }

  /** Partners of a closed deal are frozen: untagging and choosing a partner wait for an admin's override. */
  get changesDisabled() {
    return this.busy || this.frozen;
  }

  get canTag() {
    return !this.frozen;
  }

  get motions() {
    return this.view.motions;
  }

  get dealClosed() {
    return this.view.deal.isClosed;
  }

  /** Partners a co-sell can target: those attached to the deal (once each), then the next-best suggestion. */
  get coSellCandidates() {
    const candidates = [];
    const seen = new Set();
    for (const partner of this.attribution.partners) {
      if (seen.has(partner.partnerId)) continue;
      seen.add(partner.partnerId);
      candidates.push({ partnerId: partner.partnerId, name: partner.name, source: 'attached' });
    }
    const next = this.view.nextBestPartner;
    if (next !== null && !seen.has(next.partnerId)) {
      candidates.push({ partnerId: next.partnerId, name: next.name, source: 'suggested' });
    }
    return candidates;
  }

  // --- actions ------------------------------------------------------------------------------------------------------

  handleRetry() {
    void this.load();
  }

  handleApplyFix() {
    const fix = this.attribution.suggestedFix;
    void this.change(
      'apply-fix',
      () => tagPartner({ opportunityId: this.recordId, partnerId: fix.partnerId, role: fix.role, splitPct: null }),
      `${fix.name} tagged as ${roleLabel(fix.role)}.`,
    );
  }

  handleNotDuplicate(event) {
    const otherDealId = event.target.dataset.dealId;
    void this.change(
      'not-duplicate',
      () => markNotDuplicate({ opportunityId: this.recordId, otherDealId }),
      'Marked as not a duplicate. PartnerLoop will not flag this pair again.',
    );
  }

  handleUntag(event) {
    const { partnerId, role } = event.target.dataset;
    const partner = this.attribution.partners.find((p) => p.partnerId === partnerId && p.role === role);
    const name = partner ? partner.name : 'The partner';
    // The card never overrides a frozen deal (untag is disabled there): an admin overrides in PartnerLoop.
    void this.change(
      'untag',
      () => untagPartner({ opportunityId: this.recordId, partnerId, role, overrideReason: null }),
      `${name} is no longer tagged as ${roleLabel(role)}.`,
    );
  }

  /** Choosing the suggestion fills the picker rather than tagging at once: the role (and split) is the seller's call. */
  handleChooseNextBest() {
    const next = this.view.nextBestPartner;
    const picker = this.template.querySelector('c-partner-picker');
    if (picker) picker.choose({ id: next.partnerId, name: next.name });
  }

  async handleTag(event) {
    const { partnerId, name, role, splitPct } = event.detail;
    const ok = await this.change(
      'tag',
      () => tagPartner({ opportunityId: this.recordId, partnerId, role, splitPct }),
      `${name} tagged as ${roleLabel(role)}.`,
    );
    const picker = this.template.querySelector('c-partner-picker');
    if (ok && picker) picker.reset();
  }

  async handleTransition(event) {
    const { motionId, to, note } = event.detail;
    const ok = await this.change(
      'transition',
      () => transitionMotion({ motionId, toState: to, note }),
      'Co-sell motion updated.',
    );
    const timeline = this.template.querySelector('c-motion-timeline');
    if (ok && timeline) timeline.clearNote(motionId);
  }

  async handleStartCoSell(event) {
    const { partnerId, programme, ask, slaDays } = event.detail;
    const ok = await this.change(
      'cosell',
      () => startCoSell({ opportunityId: this.recordId, partnerId, programme, ask, slaDays }),
      'Co-sell motion started.',
    );
    const form = this.template.querySelector('c-co-sell-form');
    if (ok && form) form.reset();
  }
}
