import { Button, Flex, Heading, Input, NumberInput, Select, Text, TextArea } from '@hubspot/ui-extensions';
import { useState } from 'react';
import type { CardView, StartCoSellRequest } from '../card-api.ts';
import { COSELL_ASK_MAX_CHARS, SLA_DAYS_MAX, SLA_DAYS_MIN } from '../card-config.ts';

export interface CoSellCandidate {
  partnerId: string;
  name: string;
  /** Why this partner is offered: attached to the deal, or the next-best suggestion. */
  source: 'attached' | 'suggested';
}

export interface CoSellFormProps {
  candidates: CoSellCandidate[];
  busy: boolean;
  /** Sends the motion; resolves true when the service accepted it. */
  onStart: (request: StartCoSellRequest) => Promise<boolean>;
}

type FieldErrors = {
  target?: string | undefined;
  programme?: string | undefined;
  ask?: string | undefined;
  sla?: string | undefined;
};

const NO_PARTNER = '';

const TARGET_MISSING_MESSAGE = 'Choose a partner or name a programme.';
/** The service refuses a motion with both (one motion, one target); the card says so before sending. */
const TARGET_BOTH_MESSAGE =
  'A co-sell motion goes to a partner or to a programme, not both. Clear the programme, or choose “No partner: programme only”.';

/**
 * "Start co-sell": exactly one target — a partner (attached or suggested) or a programme (AWS ACE, Microsoft
 * referrals, …) — the ask, and an optional SLA in days. Asking a partner and a programme is two motions.
 */
export function CoSellForm({ candidates, busy, onStart }: CoSellFormProps) {
  const [open, setOpen] = useState(false);
  const [partnerId, setPartnerId] = useState<string>(NO_PARTNER);
  const [programme, setProgramme] = useState('');
  const [ask, setAsk] = useState('');
  const [slaDays, setSlaDays] = useState<number | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});

  const reset = () => {
    setOpen(false);
    setPartnerId(NO_PARTNER);
    setProgramme('');
    setAsk('');
    setSlaDays(null);
    setErrors({});
  };

  const submit = async () => {
    const found: FieldErrors = {};
    const askText = ask.trim();
    const programmeText = programme.trim();
    if (partnerId === NO_PARTNER && programmeText === '') found.target = TARGET_MISSING_MESSAGE;
    else if (partnerId !== NO_PARTNER && programmeText !== '') found.programme = TARGET_BOTH_MESSAGE;
    if (askText === '') found.ask = 'Describe what you are asking the partner for.';
    else if (askText.length > COSELL_ASK_MAX_CHARS)
      found.ask = `Keep the ask under ${COSELL_ASK_MAX_CHARS} characters.`;
    if (slaDays !== null && !(Number.isInteger(slaDays) && slaDays >= SLA_DAYS_MIN && slaDays <= SLA_DAYS_MAX)) {
      found.sla = `The SLA is a whole number of days from ${SLA_DAYS_MIN} to ${SLA_DAYS_MAX}.`;
    }
    setErrors(found);
    if (Object.values(found).some((message) => message !== undefined)) return;

    // Exactly one target (validated above): the partner when one is chosen, else the programme.
    const request: StartCoSellRequest =
      partnerId !== NO_PARTNER ? { partnerId, ask: askText } : { programme: programmeText, ask: askText };
    if (slaDays !== null) request.slaDays = slaDays;
    if (await onStart(request)) reset();
  };

  if (!open) {
    return (
      <Flex direction="row">
        <Button variant="primary" disabled={busy} onClick={() => setOpen(true)} testId="open-cosell">
          Start co-sell
        </Button>
      </Flex>
    );
  }

  const options = [
    ...candidates.map((candidate) => ({
      label: candidate.source === 'suggested' ? `${candidate.name} (suggested)` : candidate.name,
      value: candidate.partnerId,
    })),
    { label: 'No partner: programme only', value: NO_PARTNER },
  ];

  return (
    <Flex direction="column" gap="sm" testId="cosell-form">
      <Heading>Start a co-sell motion</Heading>
      <Select
        label="Partner"
        name="cosell-partner"
        options={options}
        value={partnerId}
        onChange={(value) => {
          setPartnerId(String(value));
          setErrors((current) => ({ ...current, target: undefined, programme: undefined }));
        }}
        error={errors.target !== undefined}
        {...(errors.target === undefined ? {} : { validationMessage: errors.target })}
        testId="cosell-partner"
      />
      <Input
        label="Programme (instead of a partner)"
        name="cosell-programme"
        placeholder="e.g. AWS ACE, Microsoft referral"
        description="Leave empty when a partner is chosen above."
        value={programme}
        onInput={(value) => setProgramme(value)}
        onChange={(value) => {
          setProgramme(value);
          setErrors((current) => ({ ...current, target: undefined, programme: undefined }));
        }}
        error={errors.programme !== undefined}
        {...(errors.programme === undefined ? {} : { validationMessage: errors.programme })}
        testId="cosell-programme"
      />
      <TextArea
        label="Ask"
        name="cosell-ask"
        required={true}
        placeholder="What should the partner do, by when?"
        maxLength={COSELL_ASK_MAX_CHARS}
        value={ask}
        onInput={(value) => setAsk(value)}
        onChange={(value) => {
          setAsk(value);
          setErrors((current) => ({ ...current, ask: undefined }));
        }}
        error={errors.ask !== undefined}
        {...(errors.ask === undefined ? {} : { validationMessage: errors.ask })}
        testId="cosell-ask"
      />
      <NumberInput
        label="SLA in days (optional)"
        name="cosell-sla"
        min={SLA_DAYS_MIN}
        max={SLA_DAYS_MAX}
        precision={0}
        {...(slaDays === null ? {} : { value: slaDays })}
        onChange={(value) => {
          setSlaDays(typeof value === 'number' && !Number.isNaN(value) ? value : null);
          setErrors((current) => ({ ...current, sla: undefined }));
        }}
        error={errors.sla !== undefined}
        {...(errors.sla === undefined ? {} : { validationMessage: errors.sla })}
        testId="cosell-sla"
      />
      {candidates.length === 0 && (
        <Text variant="microcopy">
          No partner is attached or suggested yet; name a programme, or tag a partner first.
        </Text>
      )}
      <Flex direction="row" gap="sm">
        <Button
          variant="primary"
          disabled={busy}
          onClick={() => {
            void submit();
          }}
          testId="submit-cosell"
        >
          Send co-sell request
        </Button>
        <Button variant="secondary" disabled={busy} onClick={reset} testId="cancel-cosell">
          Cancel
        </Button>
      </Flex>
    </Flex>
  );
}

/** Partners a co-sell can target: those attached to the deal (once each), then the next-best suggestion. */
export function coSellCandidates(view: CardView): CoSellCandidate[] {
  const candidates: CoSellCandidate[] = [];
  const seen = new Set<string>();
  for (const partner of view.attribution.partners) {
    if (seen.has(partner.partnerId)) continue;
    seen.add(partner.partnerId);
    candidates.push({ partnerId: partner.partnerId, name: partner.name, source: 'attached' });
  }
  const next = view.nextBestPartner;
  if (next !== null && !seen.has(next.partnerId)) {
    candidates.push({ partnerId: next.partnerId, name: next.name, source: 'suggested' });
  }
  return candidates;
}
