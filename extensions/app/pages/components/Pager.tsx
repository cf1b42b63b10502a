import { Alert, Button, Flex, Text } from '@hubspot/ui-extensions';
import type { PagedList } from '../use-operator-home.ts';

/** "Rows 11–20 of 143" with previous/next, and the paging request's error when one failed. */
export function Pager<T>({ list, testId }: { list: PagedList<T>; testId: string }) {
  const { page, loading, error, go } = list;
  const first = page.total === 0 ? 0 : page.offset + 1;
  const last = Math.min(page.offset + page.rows.length, page.total);
  const hasPrevious = page.offset > 0;
  const hasNext = page.offset + page.limit < page.total;
  return (
    <Flex direction="column" gap="xs">
      {error !== null && (
        <Alert title="That page could not be loaded" variant="error" testId={`${testId}-error`}>
          {error.userMessage}
        </Alert>
      )}
      {(hasPrevious || hasNext) && (
        <Flex direction="row" gap="sm" align="center" testId={testId}>
          <Text variant="microcopy" inline={true}>
            Rows {first}–{last} of {page.total}
          </Text>
          <Button
            size="xs"
            disabled={!hasPrevious || loading}
            onClick={() => {
              void go(Math.max(0, page.offset - page.limit));
            }}
            testId={`${testId}-previous`}
          >
            Previous
          </Button>
          <Button
            size="xs"
            disabled={!hasNext || loading}
            onClick={() => {
              void go(page.offset + page.limit);
            }}
            testId={`${testId}-next`}
          >
            Next
          </Button>
        </Flex>
      )}
    </Flex>
  );
}
