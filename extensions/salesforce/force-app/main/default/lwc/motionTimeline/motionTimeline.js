import { badgeClass, formatDate, formatTimestamp, MOTION_STATE, TRANSITION_ACTIONS } from 'c/partnerLoopFormat';
import { api, LightningElement } from 'lwc';

const PROGRAMME_NAMES = { aws_ace: 'AWS', microsoft_referrals: 'Microsoft' };

function stateLabel(state) {
  return MOTION_STATE[state]?.label ?? state;
}

/**
 * Co-sell motions on the opportunity: where each stands, how it got there, and the moves the state machine allows
 * next (`allowedTransitions`, decided by the service). A move is a `transition` event; the card calls Apex and, once
 * the service accepted it, `clearNote(motionId)`.
 */
export default class MotionTimeline extends LightningElement {
  @api motions = [];
  @api busy = false;

  /** The optional note typed per motion, by motion id. */
  notes = {};

  @api
  clearNote(motionId) {
    const { [motionId]: _cleared, ...rest } = this.notes;
    this.notes = rest;
  }

  get hasMotions() {
    return (this.motions ?? []).length > 0;
  }

  get items() {
    return (this.motions ?? []).map((motion) => {
      const state = MOTION_STATE[motion.state] ?? { label: motion.state, variant: 'default' };
      const target = [motion.partnerName, motion.programme].filter((part) => part !== null && part !== '').join(' · ');
      return {
        id: motion.id,
        title: target === '' ? 'Co-sell' : target,
        stateLabel: state.label,
        stateClass: badgeClass(state.variant),
        aging: motion.aging,
        ask: motion.ask,
        sla:
          motion.slaDueAt === null
            ? null
            : `SLA due ${formatDate(motion.slaDueAt)}${motion.aging ? ': waiting longer than the SLA allows.' : ''}`,
        cloud: cloudView(motion.cloud),
        history: motion.history.map((entry) => ({
          key: `${entry.at}:${entry.to}`,
          text:
            `${formatTimestamp(entry.at)}: ` +
            `${entry.from === null ? 'created as ' : `${stateLabel(entry.from)} → `}` +
            `${stateLabel(entry.to)} by ${entry.actor}` +
            `${entry.note === null ? '' : `: “${entry.note}”`}`,
        })),
        hasHistory: motion.history.length > 0,
        canMove: motion.allowedTransitions.length > 0,
        note: this.notes[motion.id] ?? '',
        moves: motion.allowedTransitions.map((to) => {
          const action = TRANSITION_ACTIONS[to] ?? { label: to, destructive: false };
          return { to, label: action.label, variant: action.destructive ? 'destructive' : 'neutral' };
        }),
      };
    });
  }

  handleNote(event) {
    this.notes = { ...this.notes, [event.target.dataset.motionId]: event.detail.value ?? '' };
  }

  handleMove(event) {
    const { motionId, to } = event.target.dataset;
    const text = (this.notes[motionId] ?? '').trim();
    this.dispatchEvent(new CustomEvent('transition', { detail: { motionId, to, note: text === '' ? null : text } }));
  }
}

/** Where a programme motion stands at the programme, and what the seller must fix when it was refused. */
function cloudView(cloud) {
  if (cloud === null || cloud === undefined) return null;
  const name = PROGRAMME_NAMES[cloud.programme] ?? cloud.programme;
  return {
    summary:
      `${name}: ${cloud.status}` +
      `${cloud.stage === null ? '' : ` · ${cloud.stage}`}` +
      `${cloud.externalId === null ? '' : ` · ${cloud.externalId}`}`,
    issues: cloud.issues.map((issue) => ({ key: issue.field, message: issue.message })),
    hasIssues: cloud.issues.length > 0,
    lastError: cloud.lastError === null ? null : `Last attempt: ${cloud.lastError} PartnerLoop tries again by itself.`,
  };
}
