import { Flex, Heading, StatusTag, Text, Tile } from '@hubspot/ui-extensions';

/** The cloud co-sell programmes of SPEC §2.7, as the settings page lists them. */
export const PROGRAMMES = [
  { id: 'aws', name: 'AWS Partner Central (ACE)' },
  { id: 'microsoft', name: 'Microsoft Partner Center referrals' },
] as const;

/**
 * Programme connections: none can be made yet. Each programme says so plainly rather than offering a connect button
 * that would not connect anything; the connections arrive with the cloud programmes (SPEC §2.7).
 */
export function ProgrammeConnections({ testId }: { testId: string }) {
  return (
    <Tile testId={testId}>
      <Flex direction="column" gap="sm">
        <Heading>Programme connections</Heading>
        {PROGRAMMES.map((programme) => (
          <Flex key={programme.id} direction="row" gap="sm" align="center" testId={`${testId}-${programme.id}`}>
            <Text format={{ fontWeight: 'demibold' }}>{programme.name}</Text>
            <StatusTag variant="default" testId={`${testId}-${programme.id}-status`}>
              Not connected
            </StatusTag>
          </Flex>
        ))}
        <Text variant="microcopy" testId={`${testId}-note`}>
          PartnerLoop cannot connect to these programmes yet: the connections arrive with the cloud co-sell programmes.
          Until then a co-sell motion names its programme, and the motion is worked in HubSpot.
        </Text>
      </Flex>
    </Tile>
  );
}
