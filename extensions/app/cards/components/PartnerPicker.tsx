import { Button, Flex, Heading, NumberInput, SearchInput, Select, Text } from '@hubspot/ui-extensions';
import { useRef, useState } from 'react';
import {
  isPartnerRole,
  isValidSplitPct,
  PARTNER_ROLES,
  type PartnerRole,
  type RosterPartner,
  SPLIT_PCT_MAX,
  SPLIT_PCT_MIN,
  type TagPartnerRequest,
} from '../card-api.ts';
import { userMessageOf } from '../card-client.ts';
import { PARTNER_SEARCH_MIN_CHARS } from '../card-config.ts';
import { formatScore, formatTier, ROLE_LABELS } from '../card-format.ts';

/** A partner chosen in the picker: from the roster search or from the next-best suggestion. */
export interface PickedPartner {
  id: string;
  name: string;
}

export interface PartnerPickerProps {
  search: (query: string) => Promise<RosterPartner[]>;
  picked: PickedPartner | null;
  onPick: (partner: PickedPartner | null) => void;
  busy: boolean;
  /** Sends the tag; resolves true when the service accepted it. */
  onTag: (request: TagPartnerRequest) => Promise<boolean>;
}

const ROLE_OPTIONS = PARTNER_ROLES.map((role) => ({ label: ROLE_LABELS[role], value: role }));

type FieldErrors = { partner?: string | undefined; role?: string | undefined; split?: string | undefined };

export const SPLIT_ERROR = `Enter a split from ${SPLIT_PCT_MIN} to ${SPLIT_PCT_MAX} %, or leave it empty.`;

/** Search the roster → pick a partner → pick a role → optional split → tag. Validates before anything is sent. */
export function PartnerPicker({ search, picked, onPick, busy, onTag }: PartnerPickerProps) {
  const [query, setQuery] = useState('');
  const [queryError, setQueryError] = useState<string | null>(null);
  const [results, setResults] = useState<RosterPartner[] | null>(null);
  const [searching, setSearching] = useState(false);
  const [searchError, setSearchError] = useState<string | null>(null);
  const [role, setRole] = useState<PartnerRole | null>(null);
  const [split, setSplit] = useState<number | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  // Only the latest search may fill the results, however the answers arrive.
  const searchTicket = useRef(0);

  const runSearch = async () => {
    const text = query.trim();
    if (text.length < PARTNER_SEARCH_MIN_CHARS) {
      setQueryError(`Type at least ${PARTNER_SEARCH_MIN_CHARS} characters to search.`);
      return;
    }
    const mine = ++searchTicket.current;
    setQueryError(null);
    setSearchError(null);
    setSearching(true);
    try {
      const partners = await search(text);
      if (mine === searchTicket.current) setResults(partners);
    } catch (error) {
      if (mine === searchTicket.current) setSearchError(userMessageOf(error));
    } finally {
      if (mine === searchTicket.current) setSearching(false);
    }
  };

  const tag = async () => {
    const found: FieldErrors = {};
    if (picked === null) found.partner = 'Choose a partner from the search results.';
    if (role === null) found.role = 'Choose the partner’s role on this deal.';
    if (split !== null && !isValidSplitPct(split)) found.split = SPLIT_ERROR;
    setErrors(found);
    if (picked === null || role === null || found.split !== undefined) return;

    const request: TagPartnerRequest = { partnerId: picked.id, role };
    if (split !== null) request.splitPct = split;
    if (await onTag(request)) {
      onPick(null);
      setRole(null);
      setSplit(null);
      setResults(null);
      setQuery('');
    }
  };

  const options = (results ?? []).map((partner) => ({ label: rosterLabel(partner), value: partner.id }));
  if (picked !== null && !options.some((option) => option.value === picked.id)) {
    options.unshift({ label: picked.name, value: picked.id });
  }

  return (
    <Flex direction="column" gap="sm" testId="partner-picker">
      <Heading>Tag a partner</Heading>
      <Flex direction="row" gap="sm" align="end">
        <SearchInput
          label="Search the partner roster"
          name="partner-search"
          placeholder="Partner name"
          value={query}
          onInput={(value) => setQuery(value)}
          onChange={(value) => setQuery(value)}
          error={queryError !== null}
          {...(queryError === null ? {} : { validationMessage: queryError })}
          testId="partner-search"
        />
        <Button
          variant="secondary"
          disabled={searching}
          onClick={() => {
            void runSearch();
          }}
          testId="partner-search-button"
        >
          {searching ? 'Searching…' : 'Search'}
        </Button>
      </Flex>
      {searchError !== null && (
        <Text variant="microcopy" testId="partner-search-error">
          {searchError}
        </Text>
      )}
      {results !== null && results.length === 0 && (
        <Text variant="microcopy" testId="partner-search-empty">
          No partner in the roster matches “{query.trim()}”.
        </Text>
      )}
      {options.length > 0 && (
        <Select
          label="Partner"
          name="partner"
          required={true}
          options={options}
          {...(picked === null ? {} : { value: picked.id })}
          onChange={(value) => {
            const partner = (results ?? []).find((candidate) => candidate.id === value);
            if (partner) onPick({ id: partner.id, name: partner.name });
            setErrors((current) => ({ ...current, partner: undefined }));
          }}
          error={errors.partner !== undefined}
          {...(errors.partner === undefined ? {} : { validationMessage: errors.partner })}
          testId="partner-select"
        />
      )}
      {options.length === 0 && errors.partner !== undefined && (
        <Text variant="microcopy" testId="partner-missing">
          {errors.partner}
        </Text>
      )}
      <Flex direction="row" gap="sm">
        <Select
          label="Role"
          name="role"
          required={true}
          options={ROLE_OPTIONS}
          {...(role === null ? {} : { value: role })}
          onChange={(value) => {
            if (isPartnerRole(value)) setRole(value);
            setErrors((current) => ({ ...current, role: undefined }));
          }}
          error={errors.role !== undefined}
          {...(errors.role === undefined ? {} : { validationMessage: errors.role })}
          testId="role-select"
        />
        <NumberInput
          label="Split % (optional)"
          name="split"
          min={SPLIT_PCT_MIN}
          max={SPLIT_PCT_MAX}
          {...(split === null ? {} : { value: split })}
          onChange={(value) => {
            // An emptied field arrives as undefined or NaN: that means "no split", not an invalid one.
            setSplit(typeof value === 'number' && !Number.isNaN(value) ? value : null);
            setErrors((current) => ({ ...current, split: undefined }));
          }}
          error={errors.split !== undefined}
          {...(errors.split === undefined ? {} : { validationMessage: errors.split })}
          testId="split-input"
        />
      </Flex>
      <Flex direction="row">
        <Button
          variant="primary"
          disabled={busy}
          onClick={() => {
            void tag();
          }}
          testId="tag-partner"
        >
          Tag partner
        </Button>
      </Flex>
    </Flex>
  );
}

function rosterLabel(partner: RosterPartner): string {
  const parts = [partner.name];
  if (partner.tier !== null) parts.push(formatTier(partner.tier));
  if (partner.score !== null) parts.push(`score ${formatScore(partner.score)}`);
  if (partner.type === 'self_serve') parts.push('self-serve');
  return parts.join(' · ');
}
