import searchPartners from '@salesforce/apex/PartnerLoopCardController.searchPartners';
import {
  errorMessageOf,
  formatScore,
  formatTier,
  PARTNER_ROLES,
  PARTNER_SEARCH_MIN_CHARS,
  parseRoster,
  ROLE_LABELS,
  SPLIT_PCT_MAX,
  SPLIT_PCT_MIN,
} from 'c/partnerLoopFormat';
import { api, LightningElement } from 'lwc';

const SPLIT_ERROR = `Enter a split from ${SPLIT_PCT_MIN} to ${SPLIT_PCT_MAX} %, or leave it empty.`;
const PARTNER_MISSING = 'Choose a partner from the search results.';
const ROLE_MISSING = 'Choose the partner’s role on this deal.';

/**
 * Search the roster → pick a partner → pick a role → optional split → "Tag partner". Validates before anything is
 * sent; the tag itself is the card's (a `tag` event), which calls `reset()` once the service accepted it.
 */
export default class PartnerPicker extends LightningElement {
  @api busy = false;

  query = '';
  queryError = null;
  results = null;
  searching = false;
  searchError = null;
  /** `{ id, name }` of the chosen partner: from the search results or the card's next-best suggestion. */
  picked = null;
  role = null;
  /** The split as typed; empty means "no split". */
  split = '';
  errors = {};
  // Only the latest search may fill the results, however the answers arrive.
  searchTicket = 0;

  /** The card's next-best suggestion fills the picker; the role (and split) stays the seller's call. */
  @api
  choose(partner) {
    this.picked = { id: partner.id, name: partner.name };
    this.errors = { ...this.errors, partner: undefined };
  }

  /** After a tag the service accepted: an empty picker for the next one. */
  @api
  reset() {
    this.query = '';
    this.queryError = null;
    this.results = null;
    this.searchError = null;
    this.picked = null;
    this.role = null;
    this.split = '';
    this.errors = {};
  }

  get roleOptions() {
    return PARTNER_ROLES.map((role) => ({ label: ROLE_LABELS[role], value: role }));
  }

  get partnerOptions() {
    const options = (this.results ?? []).map((partner) => ({ label: rosterLabel(partner), value: partner.id }));
    if (this.picked !== null && !options.some((option) => option.value === this.picked.id)) {
      options.unshift({ label: this.picked.name, value: this.picked.id });
    }
    return options;
  }

  get hasPartnerOptions() {
    return this.partnerOptions.length > 0;
  }

  get pickedId() {
    return this.picked === null ? null : this.picked.id;
  }

  get noMatches() {
    return this.results !== null && this.results.length === 0;
  }

  get trimmedQuery() {
    return this.query.trim();
  }

  get searchLabel() {
    return this.searching ? 'Searching…' : 'Search';
  }

  get partnerError() {
    return this.errors.partner;
  }

  get partnerMissingWithoutOptions() {
    return !this.hasPartnerOptions && this.errors.partner !== undefined;
  }

  get roleError() {
    return this.errors.role;
  }

  get splitError() {
    return this.errors.split;
  }

  get splitMin() {
    return SPLIT_PCT_MIN;
  }

  get splitMax() {
    return SPLIT_PCT_MAX;
  }

  handleQuery(event) {
    this.query = event.detail.value ?? '';
  }

  handleSearchKeyUp(event) {
    if (event.key === 'Enter') void this.runSearch();
  }

  handleSearch() {
    void this.runSearch();
  }

  async runSearch() {
    const text = this.query.trim();
    if (text.length < PARTNER_SEARCH_MIN_CHARS) {
      this.queryError = `Type at least ${PARTNER_SEARCH_MIN_CHARS} characters to search.`;
      return;
    }
    const mine = ++this.searchTicket;
    this.queryError = null;
    this.searchError = null;
    this.searching = true;
    try {
      const partners = parseRoster(await searchPartners({ query: text }));
      if (mine === this.searchTicket) this.results = partners;
    } catch (error) {
      if (mine === this.searchTicket) this.searchError = errorMessageOf(error);
    } finally {
      if (mine === this.searchTicket) this.searching = false;
    }
  }

  handlePartner(event) {
    const partner = (this.results ?? []).find((candidate) => candidate.id === event.detail.value);
    if (partner) this.picked = { id: partner.id, name: partner.name };
    this.errors = { ...this.errors, partner: undefined };
  }

  handleRole(event) {
    const value = event.detail.value;
    if (PARTNER_ROLES.includes(value)) this.role = value;
    this.errors = { ...this.errors, role: undefined };
  }

  handleSplit(event) {
    this.split = event.detail.value ?? '';
    this.errors = { ...this.errors, split: undefined };
  }

  handleTag() {
    const found = {};
    const text = String(this.split).trim();
    // An emptied field means "no split", not an invalid one.
    const splitPct = text === '' ? null : Number(text);
    if (this.picked === null) found.partner = PARTNER_MISSING;
    if (this.role === null) found.role = ROLE_MISSING;
    if (splitPct !== null && !(Number.isFinite(splitPct) && splitPct >= SPLIT_PCT_MIN && splitPct <= SPLIT_PCT_MAX)) {
      found.split = SPLIT_ERROR;
    }
    this.errors = found;
    if (Object.keys(found).length > 0) return;
    this.dispatchEvent(
      new CustomEvent('tag', {
        detail: { partnerId: this.picked.id, name: this.picked.name, role: this.role, splitPct },
      }),
    );
  }
}

function rosterLabel(partner) {
  const parts = [partner.name];
  if (partner.tier !== null) parts.push(formatTier(partner.tier));
  if (partner.score !== null) parts.push(`score ${formatScore(partner.score)}`);
  if (partner.type === 'self_serve') parts.push('self-serve');
  return parts.join(' · ');
}
