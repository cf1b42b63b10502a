import { Flex, Heading, Table, TableBody, TableHead, TableHeader, TableRow, Text } from '@hubspot/ui-extensions';
import type { ReactNode } from 'react';
import type { PagedList } from '../use-operator-home.ts';
import { Pager } from './Pager.tsx';

/**
 * A paged list of the operator home under its heading: the table (`<testId>-table`), or a sentence when the list is
 * empty (`<testId>-empty`), and the pager (`<testId>-pager`). `notice` sits between heading and table (a lever's error).
 */
export function ListTable<T>({
  testId,
  title,
  notice,
  list,
  empty,
  headers,
  renderRow,
}: {
  testId: string;
  title: string;
  notice?: ReactNode;
  list: PagedList<T>;
  empty: string;
  headers: readonly string[];
  renderRow: (row: T) => ReactNode;
}) {
  return (
    <Flex direction="column" gap="xs" testId={testId}>
      <Heading>{title}</Heading>
      {notice}
      {list.page.total === 0 ? (
        <Text variant="microcopy" testId={`${testId}-empty`}>
          {empty}
        </Text>
      ) : (
        <Table bordered={true} testId={`${testId}-table`}>
          <TableHead>
            <TableRow>
              {headers.map((header) => (
                <TableHeader key={header}>{header}</TableHeader>
              ))}
            </TableRow>
          </TableHead>
          <TableBody>{list.page.rows.map(renderRow)}</TableBody>
        </Table>
      )}
      <Pager list={list} testId={`${testId}-pager`} />
    </Flex>
  );
}
