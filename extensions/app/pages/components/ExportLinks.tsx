import { Flex, Link, Text } from '@hubspot/ui-extensions';
import type { ExportLinks as ExportLinksView } from '../operator-api.ts';

/**
 * CSV exports of a section's tables. The links are pre-signed by the service (a browser tab cannot sign a request)
 * and expire; reloading the page mints fresh ones.
 */
export function ExportLinks({
  exports,
  labels,
  testId,
}: {
  exports: ExportLinksView;
  labels: Readonly<Record<string, string>>;
  testId: string;
}) {
  const entries = Object.entries(labels).filter(([name]) => exports.links[name] !== undefined);
  if (entries.length === 0) return null;
  return (
    <Flex direction="row" gap="sm" wrap={true} align="center" testId={testId}>
      <Text variant="microcopy" inline={true}>
        Export CSV:
      </Text>
      {entries.map(([name, label]) => (
        <Link key={name} href={{ url: exports.links[name] as string, external: true }} testId={`${testId}-${name}`}>
          {label}
        </Link>
      ))}
    </Flex>
  );
}
