import { Alert, Button, Flex, Heading, LoadingSpinner, StatusTag, Text, Tile } from '@hubspot/ui-extensions';
import { useCallback, useEffect, useState } from 'react';
import type { CardRequestError } from '../../cards/card-client.ts';
import { asRequestError } from '../../pages/use-operator-home.ts';
import type { ProgrammeConnectionStatus, SettingsClient } from '../settings-client.ts';

/** The cloud co-sell programmes of SPEC §2.7, as the settings page lists them (ids as the service names them). */
export const PROGRAMMES = [
  { id: 'aws_ace', testId: 'aws', name: 'AWS Partner Central (ACE)' },
  { id: 'microsoft_referrals', testId: 'microsoft', name: 'Microsoft Partner Center referrals' },
] as const;

/**
 * Programme connections as the service holds them: connected or not, what the connection is set to (never a secret:
 * the credential is masked), when the poll last read the programme and the last error it met. Connecting is an
 * admin's API call (README, "Cloud co-sell"): credentials are typed once, sealed, and never shown again.
 */
export function ProgrammeConnections({ client, testId }: { client: SettingsClient; testId: string }) {
  const [programmes, setProgrammes] = useState<ProgrammeConnectionStatus[] | null>(null);
  const [error, setError] = useState<CardRequestError | null>(null);
  const load = useCallback(async () => {
    setError(null);
    try {
      setProgrammes(await client.programmes());
    } catch (failure) {
      setError(asRequestError(failure));
    }
  }, [client]);
  useEffect(() => {
    void load();
  }, [load]);

  return (
    <Tile testId={testId}>
      <Flex direction="column" gap="sm">
        <Heading>Programme connections</Heading>
        {error !== null && (
          <Alert title="The programme connections could not be read" variant="error" testId={`${testId}-error`}>
            {error.userMessage}{' '}
            <Button size="xs" onClick={() => void load()} testId={`${testId}-retry`}>
              Try again
            </Button>
          </Alert>
        )}
        {programmes === null && error === null && <LoadingSpinner label="Reading the connections" />}
        {programmes !== null &&
          PROGRAMMES.map((programme) => {
            const status = programmes.find((candidate) => candidate.programme === programme.id);
            return (
              <ProgrammeRow
                key={programme.id}
                name={programme.name}
                status={status}
                testId={`${testId}-${programme.testId}`}
              />
            );
          })}
        <Text variant="microcopy" testId={`${testId}-note`}>
          A super admin connects a programme through PartnerLoop's API (see the README); the credentials are sealed and
          never shown again. Co-sell motions with a connected programme are sent to it and follow its review.
        </Text>
      </Flex>
    </Tile>
  );
}

function ProgrammeRow({
  name,
  status,
  testId,
}: {
  name: string;
  status: ProgrammeConnectionStatus | undefined;
  testId: string;
}) {
  const connected = status?.connected === true;
  const settings = status?.settings ?? {};
  const facts = connected
    ? [
        typeof settings.catalog === 'string' ? `catalog ${settings.catalog}` : null,
        typeof settings.region === 'string' ? settings.region : null,
        typeof settings.entraTenantId === 'string' ? `Entra tenant ${settings.entraTenantId}` : null,
        status?.credential ? `credential ${status.credential}` : null,
        status?.checkpoint ? `read up to ${status.checkpoint.slice(0, 16).replace('T', ' ')} UTC` : 'not polled yet',
      ].filter((fact): fact is string => fact !== null)
    : [];
  return (
    <Flex direction="column" gap="xs" testId={testId}>
      <Flex direction="row" gap="sm" align="center">
        <Text format={{ fontWeight: 'demibold' }}>{name}</Text>
        <StatusTag variant={connected ? 'success' : 'default'} testId={`${testId}-status`}>
          {connected ? 'Connected' : 'Not connected'}
        </StatusTag>
      </Flex>
      {facts.length > 0 && (
        <Text variant="microcopy" testId={`${testId}-facts`}>
          {facts.join(' · ')}
        </Text>
      )}
      {connected && status?.lastError && (
        <Text variant="microcopy" testId={`${testId}-last-error`}>
          Last problem: {status.lastError}
        </Text>
      )}
    </Flex>
  );
}
