import { Button, ErrorState, Flex, Heading, LoadingSpinner, Text, Tile } from '@hubspot/ui-extensions';
import type { ReactNode } from 'react';
import type { Load } from '../use-operator-home.ts';

export interface SectionFrameProps<T> {
  title: string;
  /** What the section answers, one line under the title. */
  intro: string;
  testId: string;
  load: Load<T>;
  onRetry: () => void;
  children: (value: T) => ReactNode;
}

/** A section of the operator home: its title, and its own loading and error states (a retry reloads it alone). */
export function SectionFrame<T>({ title, intro, testId, load, onRetry, children }: SectionFrameProps<T>) {
  return (
    <Tile testId={testId}>
      <Flex direction="column" gap="sm">
        <Heading>{title}</Heading>
        <Text variant="microcopy">{intro}</Text>
        {load.status === 'loading' && (
          <LoadingSpinner label={`Loading ${title.toLowerCase()}…`} showLabel={true} testId={`${testId}-loading`} />
        )}
        {load.status === 'failed' && (
          <ErrorState title={`${title} could not be loaded`} type="error" testId={`${testId}-error`}>
            <Text>{load.error.userMessage}</Text>
            <Button onClick={onRetry} testId={`${testId}-retry`}>
              Try again
            </Button>
          </ErrorState>
        )}
        {load.status === 'ready' && children(load.value)}
      </Flex>
    </Tile>
  );
}

/** The empty state of a section whose loop has not produced a result yet: when it will, and "compute now". */
export function NotComputedYet({ what, nextRun, testId }: { what: string; nextRun: string | null; testId: string }) {
  return (
    <Text testId={testId}>
      No {what} yet.{' '}
      {nextRun === null
        ? 'It appears after the loop first runs.'
        : `The first result arrives with the next scheduled run, ${nextRun}, or use “Compute now” above.`}
    </Text>
  );
}
