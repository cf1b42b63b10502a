import { Button, Flex, Heading, Input, List, StatusTag, Tag, Text, Tile } from '@hubspot/ui-extensions';
import { useState } from 'react';
import type { CardMotion, MotionState } from '../card-api.ts';
import { formatDate, formatTimestamp, MOTION_STATE, TRANSITION_ACTIONS } from '../card-format.ts';

export interface MotionTimelineProps {
  motions: CardMotion[];
  busy: boolean;
  /** Sends the transition; resolves true when the service accepted it. */
  onTransition: (motion: CardMotion, to: MotionState, note: string | null) => Promise<boolean>;
}

/** Co-sell motions on this deal: where each stands, how it got there, and the moves the state machine allows next. */
export function MotionTimeline({ motions, busy, onTransition }: MotionTimelineProps) {
  if (motions.length === 0) {
    return (
      <Text variant="microcopy" testId="no-motions">
        No co-sell motion on this deal yet.
      </Text>
    );
  }
  return (
    <Flex direction="column" gap="sm">
      {motions.map((motion) => (
        <MotionItem key={motion.id} motion={motion} busy={busy} onTransition={onTransition} />
      ))}
    </Flex>
  );
}

function MotionItem({ motion, busy, onTransition }: { motion: CardMotion } & Omit<MotionTimelineProps, 'motions'>) {
  const [note, setNote] = useState('');
  const state = MOTION_STATE[motion.state];
  const target = [motion.partnerName, motion.programme].filter((part) => part !== null && part !== '').join(' · ');

  const move = async (to: MotionState) => {
    const text = note.trim();
    if (await onTransition(motion, to, text === '' ? null : text)) setNote('');
  };

  return (
    <Tile compact={true} testId={`motion-${motion.id}`}>
      <Flex direction="column" gap="xs">
        <Flex direction="row" gap="sm" align="center" wrap={true}>
          <Heading inline={true}>{target === '' ? 'Co-sell' : target}</Heading>
          <StatusTag variant={state.variant} testId={`motion-state-${motion.id}`}>
            {state.label}
          </StatusTag>
          {motion.aging && (
            <Tag variant="warning" testId={`motion-aging-${motion.id}`}>
              Aging
            </Tag>
          )}
        </Flex>
        <Text>{motion.ask}</Text>
        {motion.cloud !== null && <CloudRecord motion={motion} />}
        {motion.slaDueAt !== null && (
          <Text variant="microcopy">
            SLA due {formatDate(motion.slaDueAt)}
            {motion.aging ? ': waiting longer than the SLA allows.' : ''}
          </Text>
        )}
        {motion.history.length > 0 && (
          <List variant="ordered" testId={`motion-history-${motion.id}`}>
            {motion.history.map((entry) => (
              <Text key={`${entry.at}:${entry.to}`} variant="microcopy">
                {formatTimestamp(entry.at)}:{' '}
                {entry.from === null ? 'created as ' : `${MOTION_STATE[entry.from].label} → `}
                {MOTION_STATE[entry.to].label} by {entry.actor}
                {entry.note === null ? '' : `: “${entry.note}”`}
              </Text>
            ))}
          </List>
        )}
        {motion.allowedTransitions.length > 0 && (
          <Flex direction="column" gap="xs">
            <Input
              label="Note (optional)"
              name={`motion-note-${motion.id}`}
              value={note}
              onInput={(value) => setNote(value)}
              onChange={(value) => setNote(value)}
              testId={`motion-note-${motion.id}`}
            />
            <Flex direction="row" gap="xs" wrap={true}>
              {motion.allowedTransitions.map((to) => (
                <Button
                  key={to}
                  size="sm"
                  variant={TRANSITION_ACTIONS[to].destructive ? 'destructive' : 'secondary'}
                  disabled={busy}
                  onClick={() => {
                    void move(to);
                  }}
                  testId={`motion-${motion.id}-to-${to}`}
                >
                  {TRANSITION_ACTIONS[to].label}
                </Button>
              ))}
            </Flex>
          </Flex>
        )}
      </Flex>
    </Tile>
  );
}

const PROGRAMME_NAMES = { aws_ace: 'AWS', microsoft_referrals: 'Microsoft' } as const;

/** Where a programme motion stands at the programme, and what the seller must fix when it was refused. */
function CloudRecord({ motion }: { motion: CardMotion }) {
  const cloud = motion.cloud;
  if (cloud === null) return null;
  const name = PROGRAMME_NAMES[cloud.programme];
  return (
    <Flex direction="column" gap="xs" testId={`motion-cloud-${motion.id}`}>
      <Text variant="microcopy">
        {name}: {cloud.status}
        {cloud.stage === null ? '' : ` · ${cloud.stage}`}
        {cloud.externalId === null ? '' : ` · ${cloud.externalId}`}
      </Text>
      {cloud.issues.length > 0 && (
        <List testId={`motion-cloud-issues-${motion.id}`}>
          {cloud.issues.map((issue) => (
            <Text key={issue.field} variant="microcopy">
              {issue.message}
            </Text>
          ))}
        </List>
      )}
      {cloud.lastError !== null && (
        <Text variant="microcopy">Last attempt: {cloud.lastError} PartnerLoop tries again by itself.</Text>
      )}
    </Flex>
  );
}
