import { Alert, Button, Flex, Link, List, Text } from '@hubspot/ui-extensions';
import type { CardDuplicate, CardView } from '../card-api.ts';
import { DEDUPE_STATUS, formatConfidence } from '../card-format.ts';

export interface DuplicateWarningsProps {
  dedupe: CardView['dedupe'];
  busy: boolean;
  onNotDuplicate: (duplicate: CardDuplicate) => void;
}

/** One warning per suspected duplicate or registration conflict, each with a way out ("Not a duplicate"). */
export function DuplicateWarnings({ dedupe, busy, onNotDuplicate }: DuplicateWarningsProps) {
  if (dedupe.duplicates.length === 0) return null;
  return (
    <Flex direction="column" gap="sm">
      {dedupe.duplicates.map((duplicate) => (
        <DuplicateWarning
          key={`${duplicate.kind}:${duplicate.otherDealId}`}
          duplicate={duplicate}
          confirmed={dedupe.status === 'confirmed'}
          busy={busy}
          onNotDuplicate={onNotDuplicate}
        />
      ))}
    </Flex>
  );
}

function DuplicateWarning(props: {
  duplicate: CardDuplicate;
  confirmed: boolean;
  busy: boolean;
  onNotDuplicate: (duplicate: CardDuplicate) => void;
}) {
  const { duplicate, confirmed, busy, onNotDuplicate } = props;
  const conflict = duplicate.kind === 'registration_conflict';
  const title = conflict
    ? 'Registration conflict'
    : confirmed
      ? DEDUPE_STATUS.confirmed.label
      : DEDUPE_STATUS.suspected.label;
  const otherName = duplicate.otherDealName ?? `Deal ${duplicate.otherDealId}`;
  return (
    <Alert
      title={title}
      variant={conflict || confirmed ? 'danger' : 'warning'}
      testId={`duplicate-${duplicate.otherDealId}`}
    >
      <Flex direction="column" gap="xs">
        <Text>
          {conflict ? 'Another registration covers the same buying event: ' : 'This deal looks like '}
          {duplicate.url === null ? (
            <Text inline format={{ fontWeight: 'demibold' }}>
              {otherName}
            </Text>
          ) : (
            <Link href={{ url: duplicate.url, external: true }} testId={`duplicate-link-${duplicate.otherDealId}`}>
              {otherName}
            </Link>
          )}{' '}
          ({formatConfidence(duplicate.confidence)} confidence).
        </Text>
        {duplicate.reasons.length > 0 && (
          <List variant="unordered-styled">
            {duplicate.reasons.map((reason) => (
              <Text key={reason}>{reason}</Text>
            ))}
          </List>
        )}
        <Button
          size="sm"
          variant="secondary"
          disabled={busy}
          onClick={() => onNotDuplicate(duplicate)}
          testId={`not-duplicate-${duplicate.otherDealId}`}
        >
          Not a duplicate
        </Button>
      </Flex>
    </Alert>
  );
}
