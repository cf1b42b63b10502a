import { COSELL_ASK_MAX_CHARS, SLA_DAYS_MAX, SLA_DAYS_MIN } from 'c/partnerLoopFormat';
import { api, LightningElement } from 'lwc';

const NO_PARTNER = '';
const TARGET_MISSING_MESSAGE = 'Choose a partner or name a programme.';
/** The service refuses a motion with both (one motion, one target); the form says so before sending. */
const TARGET_BOTH_MESSAGE =
  'A co-sell motion goes to a partner or to a programme, not both. Clear the programme, or choose “No partner: programme only”.';

/**
 * "Start co-sell": exactly one target — a partner (attached or suggested) or a programme (AWS ACE, Microsoft
 * referrals, …) — the ask, and an optional SLA in days. Sending is the card's (a `start` event); the card calls
 * `reset()` once the service accepted the motion.
 */
export default class CoSellForm extends LightningElement {
  /** `{ partnerId, name, source: 'attached' | 'suggested' }`, from the card. */
  @api candidates = [];
  @api busy = false;

  open = false;
  partnerId = NO_PARTNER;
  programme = '';
  ask = '';
  slaDays = '';
  errors = {};

  @api
  reset() {
    this.open = false;
    this.partnerId = NO_PARTNER;
    this.programme = '';
    this.ask = '';
    this.slaDays = '';
    this.errors = {};
  }

  get partnerOptions() {
    return [
      ...(this.candidates ?? []).map((candidate) => ({
        label: candidate.source === 'suggested' ? `${candidate.name} (suggested)` : candidate.name,
        value: candidate.partnerId,
      })),
      { label: 'No partner: programme only', value: NO_PARTNER },
    ];
  }

  get noCandidates() {
    return (this.candidates ?? []).length === 0;
  }

  get askMaxLength() {
    return COSELL_ASK_MAX_CHARS;
  }

  get slaMin() {
    return SLA_DAYS_MIN;
  }

  get slaMax() {
    return SLA_DAYS_MAX;
  }

  get targetError() {
    return this.errors.target;
  }

  get programmeError() {
    return this.errors.programme;
  }

  get askError() {
    return this.errors.ask;
  }

  get slaError() {
    return this.errors.sla;
  }

  handleCancel() {
    this.reset();
  }

  handleOpen() {
    this.open = true;
  }

  handlePartner(event) {
    this.partnerId = event.detail.value ?? NO_PARTNER;
    this.errors = { ...this.errors, target: undefined, programme: undefined };
  }

  handleProgramme(event) {
    this.programme = event.detail.value ?? '';
    this.errors = { ...this.errors, target: undefined, programme: undefined };
  }

  handleAsk(event) {
    this.ask = event.detail.value ?? '';
    this.errors = { ...this.errors, ask: undefined };
  }

  handleSla(event) {
    this.slaDays = event.detail.value ?? '';
    this.errors = { ...this.errors, sla: undefined };
  }

  handleSubmit() {
    const found = {};
    const askText = this.ask.trim();
    const programmeText = this.programme.trim();
    const slaText = String(this.slaDays).trim();
    const slaDays = slaText === '' ? null : Number(slaText);
    if (this.partnerId === NO_PARTNER && programmeText === '') found.target = TARGET_MISSING_MESSAGE;
    else if (this.partnerId !== NO_PARTNER && programmeText !== '') found.programme = TARGET_BOTH_MESSAGE;
    if (askText === '') found.ask = 'Describe what you are asking the partner for.';
    else if (askText.length > COSELL_ASK_MAX_CHARS)
      found.ask = `Keep the ask under ${COSELL_ASK_MAX_CHARS} characters.`;
    if (slaDays !== null && !(Number.isInteger(slaDays) && slaDays >= SLA_DAYS_MIN && slaDays <= SLA_DAYS_MAX)) {
      found.sla = `The SLA is a whole number of days from ${SLA_DAYS_MIN} to ${SLA_DAYS_MAX}.`;
    }
    this.errors = found;
    if (Object.keys(found).length > 0) return;

    // Exactly one target (validated above): the partner when one is chosen, else the programme.
    const partnerChosen = this.partnerId !== NO_PARTNER;
    this.dispatchEvent(
      new CustomEvent('start', {
        detail: {
          partnerId: partnerChosen ? this.partnerId : null,
          programme: partnerChosen ? null : programmeText,
          ask: askText,
          slaDays,
        },
      }),
    );
  }
}
