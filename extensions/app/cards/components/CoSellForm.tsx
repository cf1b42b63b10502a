import { Button, Flex, Heading, Input, NumberInput, Select, Text, TextArea } from '@hubspot/ui-extensions';
import { useState } from 'react';
import type { StartCoSellRequest } from '../card-api.ts';
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

type FieldErrors = { target?: string | undefined; ask?: string | undefined; sla?: string | undefined };

const NO_PARTNER = '';

/** "Start co-sell": a partner (attached or suggested) and/or a programme, the ask, and an optional SLA in days. */
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
    if (partnerId === NO_PARTNER && programmeText === '') found.target = 'Choose a partner or name a programme.';
    if (askText === '') found.ask = 'Describe what you are asking the partner for.';
    else if (askText.length > COSELL_ASK_MAX_CHARS)
      found.ask = `Keep the ask under ${COSELL_ASK_MAX_CHARS} characters.`;
    if (slaDays !== null && !(Number.isInteger(slaDays) && slaDays >= SLA_DAYS_MIN && slaDays <= SLA_DAYS_MAX)) {
      found.sla = `The SLA is a whole number of days from ${SLA_DAYS_MIN} to ${SLA_DAYS_MAX}.`;
    }
    setErrors(found);
    if (found.target !== undefined || found.ask !== undefined || found.sla !== undefined) return;

    const request: StartCoSellRequest = { ask: askText };
    if (partnerId !== NO_PARTNER) request.partnerId = partnerId;
    if (programmeText !== '') request.programme = programmeText;
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
          setErrors((current) => ({ ...current, target: undefined }));
        }}
        error={errors.target !== undefined}
        {...(errors.target === undefined ? {} : { validationMessage: errors.target })}
        testId="cosell-partner"
      />
      <Input
        label="Programme (optional)"
        name="cosell-programme"
        placeholder="e.g. AWS ACE, Microsoft referral"
        value={programme}
        onInput={(value) => setProgramme(value)}
        onChange={(value) => {
          setProgramme(value);
          setErrors((current) => ({ ...current, target: undefined }));
        }}
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
