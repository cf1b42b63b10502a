import { Button, Flex, Tag } from '@hubspot/ui-extensions';
import type { RosterActionValue } from '../operator-api.ts';
import { ROSTER_ACTION_LABELS } from '../operator-format.ts';

export interface RosterLeverProps {
  partnerId: string;
  current: RosterActionValue | null;
  busy: boolean;
  /** Sets `pl_roster_action` (null clears it); resolves when the service answered. */
  onSet: (partnerId: string, action: RosterActionValue | null) => void;
  testId: string;
}

/** The roster lever on a partner row: its current `pl_roster_action`, and the moves to re-engage, archive or clear. */
export function RosterLever({ partnerId, current, busy, onSet, testId }: RosterLeverProps) {
  return (
    <Flex direction="row" gap="xs" align="center" wrap={true} testId={testId}>
      {current !== null && (
        <Tag variant={current === 'archive' ? 'default' : 'success'} testId={`${testId}-current`}>
          {current === 'archive' ? 'Archived' : 'Marked to re-engage'}
        </Tag>
      )}
      {current !== 'reengage' && (
        <Button size="xs" disabled={busy} onClick={() => onSet(partnerId, 'reengage')} testId={`${testId}-reengage`}>
          {ROSTER_ACTION_LABELS.reengage}
        </Button>
      )}
      {current !== 'archive' && (
        <Button size="xs" disabled={busy} onClick={() => onSet(partnerId, 'archive')} testId={`${testId}-archive`}>
          {ROSTER_ACTION_LABELS.archive}
        </Button>
      )}
      {current !== null && (
        <Button
          size="xs"
          variant="secondary"
          disabled={busy}
          onClick={() => onSet(partnerId, null)}
          testId={`${testId}-clear`}
        >
          Clear
        </Button>
      )}
    </Flex>
  );
}
