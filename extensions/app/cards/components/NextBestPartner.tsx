import { Button, Flex, Heading, Text } from '@hubspot/ui-extensions';
import type { CardView } from '../card-api.ts';
import { formatScore } from '../card-format.ts';

type Suggestion = NonNullable<CardView['nextBestPartner']>;

export interface NextBestPartnerProps {
  suggestion: Suggestion;
  disabled: boolean;
  onChoose: (suggestion: Suggestion) => void;
}

/**
 * The partner that wins most where this deal sits. Choosing it fills the partner picker rather than tagging at once:
 * the role (and split) is the seller's call, and the card never guesses it.
 */
export function NextBestPartner({ suggestion, disabled, onChoose }: NextBestPartnerProps) {
  return (
    <Flex direction="column" gap="xs" testId="next-best-partner">
      <Heading>Suggested partner</Heading>
      <Text>
        <Text inline format={{ fontWeight: 'demibold' }}>
          {suggestion.name}
        </Text>{' '}
        (fit {formatScore(suggestion.fitScore)}): {suggestion.reason}
      </Text>
      <Flex direction="row">
        <Button
          size="sm"
          variant="secondary"
          disabled={disabled}
          onClick={() => onChoose(suggestion)}
          testId="choose-next-best"
        >
          Tag {suggestion.name}…
        </Button>
      </Flex>
    </Flex>
  );
}
