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
import { useHome } from '../home-context.ts';
import type {
  CloudMismatchKind,
  CloudReconciliationView,
  HomePage,
  ReconciliationKind,
  ReconciliationRowView,
  ReconciliationSectionView,
} from '../operator-api.ts';
import {
  CLOUD_MISMATCH_LABELS,
  formatCount,
  formatMoney,
  PROGRAMME_LABELS,
  RECONCILIATION_KINDS,
  stampLine,
} from '../operator-format.ts';
import { usePagedList } from '../use-operator-home.ts';
import { ExportLinks } from './ExportLinks.tsx';
import { Pager } from './Pager.tsx';
import { NotComputedYet } from './SectionFrame.tsx';

const KIND_VARIANTS: Record<ReconciliationKind, 'error' | 'warning' | 'info'> = {
  attribution_exception: 'error',
  cosell_role_without_motion: 'warning',
  motion_without_cosell_partner: 'info',
};

/** The week's reconciliation (the weekly loop): CRM attribution against co-sell motions, mismatches listed. */
export function ReconciliationSection({ view, nextRun }: { view: ReconciliationSectionView; nextRun: string | null }) {
  if (view.stamp === null || view.rows === null) {
    return <NotComputedYet what="weekly reconciliation" nextRun={nextRun} testId="reconciliation-empty" />;
  }
  return (
    <Flex direction="column" gap="sm">
      <Text variant="microcopy" testId="reconciliation-stamp">
        {stampLine(view.stamp)}
      </Text>
      <Text testId="reconciliation-totals">
        {formatCount(view.total)} exceptions:{' '}
        {(Object.keys(RECONCILIATION_KINDS) as ReconciliationKind[])
          .map((kind) => `${formatCount(view.byKind[kind])} ${RECONCILIATION_KINDS[kind].toLowerCase()}`)
          .join(' · ')}
        {view.pipelineSourced !== null &&
          ` · pipeline sourced by partners: ${formatCount(view.pipelineSourced.deals)} deals, ${formatMoney(view.pipelineSourced.amount)}`}
      </Text>
      <ReconciliationTable initial={view.rows} />
      {view.cloud !== null && <CloudReconciliation cloud={view.cloud} />}
      <ExportLinks
        exports={view.exports}
        labels={{
          reconciliation: 'Exceptions',
          cloudMismatches: 'Cloud programme mismatches',
          sourcedByPartner: 'Pipeline sourced by partner',
          weekMetrics: 'All metrics of the week',
        }}
        testId="reconciliation-export"
      />
    </Flex>
  );
}

const CLOUD_VARIANTS: Record<CloudMismatchKind, 'error' | 'warning' | 'info'> = {
  cloud_only: 'warning',
  crm_only: 'warning',
  stage_drift: 'info',
  closed_one_side: 'error',
  close_date_drift: 'info',
  amount_drift: 'info',
};

/** The clouds' side of the week: each programme's opportunities against the CRM's deals (SPEC §2.7). */
function CloudReconciliation({ cloud }: { cloud: CloudReconciliationView }) {
  const { client, recordHref } = useHome();
  const list = usePagedList(cloud.rows, (period, offset, limit) =>
    client.list('cloudMismatches', period, offset, limit),
  );
  const programmes = cloud.programmes.map((p) => PROGRAMME_LABELS[p] ?? p).join(' and ');
  return (
    <Flex direction="column" gap="xs">
      <Text format={{ fontWeight: 'bold' }} testId="cloud-reconciliation-totals">
        {programmes}: {formatCount(cloud.opportunities)} opportunities, {formatCount(cloud.matched)} matched to deals,{' '}
        {formatCount(cloud.total)} mismatches
      </Text>
      {list.page.total === 0 ? (
        <Text variant="microcopy" testId="cloud-reconciliation-clean">
          The programmes and the CRM agree.
        </Text>
      ) : (
        <>
          <Table bordered={true} testId="cloud-reconciliation-table">
            <TableHead>
              <TableRow>
                <TableHeader>Deal / opportunity</TableHeader>
                <TableHeader>Mismatch</TableHeader>
                <TableHeader>Detail</TableHeader>
              </TableRow>
            </TableHead>
            <TableBody>
              {list.page.rows.map((row) => (
                <TableRow
                  key={`${row.programme}:${row.opportunityId}:${row.dealId}:${row.kind}`}
                  testId={`cloud-row-${row.opportunityId ?? row.dealId}-${row.kind}`}
                >
                  <TableCell>
                    {row.url !== null ? (
                      <Link href={{ url: recordHref(row.url), external: true }}>{row.dealName ?? row.dealId}</Link>
                    ) : (
                      <Text>
                        {PROGRAMME_LABELS[row.programme] ?? row.programme} {row.opportunityId}
                        {row.opportunityTitle ? ` (${row.opportunityTitle})` : ''}
                      </Text>
                    )}
                  </TableCell>
                  <TableCell>
                    <Tag variant={CLOUD_VARIANTS[row.kind]}>{CLOUD_MISMATCH_LABELS[row.kind]}</Tag>
                  </TableCell>
                  <TableCell>{row.message}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          <Pager list={list} testId="cloud-reconciliation-pager" />
        </>
      )}
    </Flex>
  );
}

function ReconciliationTable({ initial }: { initial: HomePage<ReconciliationRowView> }) {
  const { client, recordHref } = useHome();
  const list = usePagedList(initial, (period, offset, limit) => client.list('reconciliation', period, offset, limit));
  if (list.page.total === 0) {
    return (
      <Text variant="microcopy" testId="reconciliation-clean">
        Nothing to reconcile this week: attribution and co-sell motions agree.
      </Text>
    );
  }
  return (
    <Flex direction="column" gap="xs">
      <Table bordered={true} testId="reconciliation-table">
        <TableHead>
          <TableRow>
            <TableHeader>Deal</TableHeader>
            <TableHeader>Mismatch</TableHeader>
            <TableHeader>Detail</TableHeader>
          </TableRow>
        </TableHead>
        <TableBody>
          {list.page.rows.map((row) => (
            <TableRow key={`${row.dealId}:${row.kind}`} testId={`reconciliation-row-${row.dealId}-${row.kind}`}>
              <TableCell>
                <Link href={{ url: recordHref(row.url), external: true }}>{row.dealName}</Link>
              </TableCell>
              <TableCell>
                <Tag variant={KIND_VARIANTS[row.kind]}>{RECONCILIATION_KINDS[row.kind]}</Tag>
              </TableCell>
              <TableCell>{row.detail}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <Pager list={list} testId="reconciliation-pager" />
    </Flex>
  );
}
