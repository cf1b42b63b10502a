import {
  Button,
  EmptyState,
  Flex,
  Heading,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
  Text,
} from '@hubspot/ui-extensions';
import type { CardPartner, CardView } from '../card-api.ts';
import { formatScore, formatSplit, formatTier, ROLE_LABELS } from '../card-format.ts';

export interface AttachedPartnersProps {
  attribution: CardView['attribution'];
  busy: boolean;
  onUntag: (partner: CardPartner) => void;
}

/** The partners on this deal, one row per partner and role (a partner may hold two roles). */
export function AttachedPartners({ attribution, busy, onUntag }: AttachedPartnersProps) {
  const { partners, frozen } = attribution;
  return (
    <Flex direction="column" gap="sm">
      <Heading>Partners on this deal</Heading>
      {partners.length === 0 ? (
        attribution.status === 'not_partner_involved' ? (
          <EmptyState title="Not partner-involved" layout="vertical" imageWidth={100} testId="empty-not-involved">
            <Text>
              Nothing marks this deal as partner-involved yet. If a partner is helping, tag them below so the deal is
              counted.
            </Text>
          </EmptyState>
        ) : (
          <EmptyState title="No partners tagged" layout="vertical" imageWidth={100} testId="empty-partners">
            <Text>This deal is partner-involved but has no partner tagged. Tag one below.</Text>
          </EmptyState>
        )
      ) : (
        <Table bordered={true} testId="partners-table">
          <TableHead>
            <TableRow>
              <TableHeader>Partner</TableHeader>
              <TableHeader>Role</TableHeader>
              <TableHeader>Split</TableHeader>
              <TableHeader>Tier</TableHeader>
              <TableHeader>Score</TableHeader>
              <TableHeader>{''}</TableHeader>
            </TableRow>
          </TableHead>
          <TableBody>
            {partners.map((partner) => (
              <TableRow
                key={`${partner.partnerId}:${partner.role}`}
                testId={`partner-row-${partner.partnerId}-${partner.role}`}
              >
                <TableCell>{partner.name}</TableCell>
                <TableCell>{ROLE_LABELS[partner.role]}</TableCell>
                <TableCell>{formatSplit(partner.splitPct)}</TableCell>
                <TableCell>{formatTier(partner.tier)}</TableCell>
                <TableCell>{formatScore(partner.score)}</TableCell>
                <TableCell>
                  <Button
                    size="xs"
                    variant="transparent"
                    disabled={busy || frozen}
                    onClick={() => onUntag(partner)}
                    testId={`untag-${partner.partnerId}-${partner.role}`}
                  >
                    Untag
                  </Button>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </Flex>
  );
}
