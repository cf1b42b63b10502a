import { Alert, Button, Flex, Heading, List, StatusTag, Text } from '@hubspot/ui-extensions';
import type { CardView } from '../card-api.ts';
import { ATTRIBUTION_STATUS, ROLE_LABELS } from '../card-format.ts';

type SuggestedFix = NonNullable<CardView['attribution']['suggestedFix']>;

export interface AttributionSummaryProps {
  attribution: CardView['attribution'];
  busy: boolean;
  onApplyFix: (fix: SuggestedFix) => void;
}

/** Attribution status, what is missing, and the one-click fix when the service found an unambiguous answer. */
export function AttributionSummary({ attribution, busy, onApplyFix }: AttributionSummaryProps) {
  const status = ATTRIBUTION_STATUS[attribution.status];
  const fix = attribution.suggestedFix;
  return (
    <Flex direction="column" gap="sm">
      <Flex direction="row" gap="sm" align="center">
        <Heading>Attribution</Heading>
        <StatusTag variant={status.variant} testId="attribution-status">
          {status.label}
        </StatusTag>
      </Flex>
      {attribution.issues.length > 0 && (
        <List variant="unordered-styled" testId="attribution-issues">
          {attribution.issues.map((issue) => (
            <Text key={issue}>{issue}</Text>
          ))}
        </List>
      )}
      {attribution.frozen && (
        <Alert title="Attribution is frozen" variant="info" testId="attribution-frozen">
          This deal is closed, so its partners can no longer be changed from the card. An admin can override the freeze
          in PartnerLoop.
        </Alert>
      )}
      {fix !== null && !attribution.frozen && (
        <Alert title="Suggested fix" variant="tip" testId="attribution-fix">
          <Flex direction="column" gap="xs">
            <Text>
              Tag {fix.name} as {ROLE_LABELS[fix.role]}. {fix.reason}
            </Text>
            <Button variant="primary" size="sm" disabled={busy} onClick={() => onApplyFix(fix)} testId="apply-fix">
              Tag {fix.name} as {ROLE_LABELS[fix.role]}
            </Button>
          </Flex>
        </Alert>
      )}
    </Flex>
  );
}
