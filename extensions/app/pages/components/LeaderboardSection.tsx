import {
  Flex,
  Link,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
  Tag,
  Text,
} from '@hubspot/ui-extensions';
import { formatTier } from '../../cards/card-format.ts';
import { useHome } from '../home-context.ts';
import type { LeaderboardSectionView } from '../operator-api.ts';
import { formatCount, formatRate } from '../operator-format.ts';
import { usePagedList } from '../use-operator-home.ts';
import { ExportLinks } from './ExportLinks.tsx';
import { Pager } from './Pager.tsx';

/**
 * The partner leaderboard (the last scoring run): tier, score, and the win rate corrected for small samples with its
 * lower bound — a partner with 1 win of 1 does not outrank 30 of 60 — and the raw won/closed for comparison.
 */
export function LeaderboardSection({ view }: { view: LeaderboardSectionView }) {
  const { client, recordHref } = useHome();
  const list = usePagedList(view.rows, (period, offset, limit) => client.list('leaderboard', period, offset, limit));
  if (list.page.total === 0) {
    return (
      <Text testId="leaderboard-empty">
        No partner is scored yet. Scores appear after the first full reconcile of the portal.
      </Text>
    );
  }
  return (
    <Flex direction="column" gap="sm">
      {view.asOf !== null && (
        <Text variant="microcopy" testId="leaderboard-stamp">
          Scores as of {view.asOf}
        </Text>
      )}
      <Table bordered={true} testId="leaderboard-table">
        <TableHead>
          <TableRow>
            <TableHeader>#</TableHeader>
            <TableHeader>Partner</TableHeader>
            <TableHeader>Tier</TableHeader>
            <TableHeader>Score</TableHeader>
            <TableHeader>Win rate (corrected)</TableHeader>
            <TableHeader>Lower bound</TableHeader>
            <TableHeader>Raw won/closed</TableHeader>
          </TableRow>
        </TableHead>
        <TableBody>
          {list.page.rows.map((row) => (
            <TableRow key={row.partnerId} testId={`leaderboard-row-${row.partnerId}`}>
              <TableCell>{row.rank}</TableCell>
              <TableCell>
                <Link href={{ url: recordHref(row.url), external: true }}>{row.name}</Link>
                {row.partnerType === 'self_serve' && (
                  <Tag inline={true} variant="default">
                    Self-serve
                  </Tag>
                )}
              </TableCell>
              <TableCell>
                {formatTier(row.tier)}
                {row.dormant && row.tier !== 'dormant' && (
                  <Tag inline={true} variant="warning">
                    Dormant
                  </Tag>
                )}
              </TableCell>
              <TableCell>{String(Math.round(row.score))}</TableCell>
              <TableCell>{formatRate(row.winRate)}</TableCell>
              <TableCell>{formatRate(row.winRateLow)}</TableCell>
              <TableCell>
                {formatRate(row.rawWinRate)} ({formatCount(row.wonDeals)}/{formatCount(row.closedDeals)})
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <Pager list={list} testId="leaderboard-pager" />
      <ExportLinks exports={view.exports} labels={{ leaderboard: 'Leaderboard' }} testId="leaderboard-export" />
    </Flex>
  );
}
