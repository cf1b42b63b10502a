import {
  Alert,
  Button,
  Flex,
  List,
  LoadingSpinner,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
  Text,
  TextArea,
} from '@hubspot/ui-extensions';
import { useState } from 'react';
import type { CardRequestError } from '../../cards/card-client.ts';
import type { MatchRulesPreview, SettingsValue } from '../../settings/settings-client.ts';
import { useHome } from '../home-context.ts';
import { asRequestError } from '../use-operator-home.ts';

export const MATCH_RULES_EXAMPLE = {
  dimensionWeights: { amount: 1, region: 1, product: 1 },
  rules: [
    {
      name: 'Resellers for SMB in EMEA',
      scope: { segments: ['smb'], regions: ['EMEA'] },
      action: 'prefer',
      partners: { types: ['self_serve'] },
      boost: 10,
    },
  ],
};

type Editor =
  | { status: 'closed' }
  | { status: 'loading' }
  | { status: 'failed'; error: CardRequestError }
  | { status: 'open'; config: SettingsValue };

/**
 * The partner-match rules lever (SPEC §2.5): edit the rules that drive next-best-partner per segment or region, see
 * which open deals' suggestion would change (nothing is written), then save through the scoring config (audit-logged,
 * and the portal is re-scored). Closed until asked for, so the home's own load stays as it was.
 */
export function MatchRulesLever() {
  const { settings, addAlert } = useHome();
  const [editor, setEditor] = useState<Editor>({ status: 'closed' });
  const [text, setText] = useState('');
  const [preview, setPreview] = useState<{ text: string; result: MatchRulesPreview } | null>(null);
  const [problems, setProblems] = useState<string[]>([]);
  const [failure, setFailure] = useState<CardRequestError | null>(null);
  const [busy, setBusy] = useState(false);

  const open = async () => {
    setEditor({ status: 'loading' });
    try {
      const config = await settings.read('scoringConfig');
      setText(JSON.stringify(config.matchRules ?? {}, null, 2));
      setPreview(null);
      setEditor({ status: 'open', config });
    } catch (error) {
      setEditor({ status: 'failed', error: asRequestError(error) });
    }
  };

  const parsed = (): unknown => {
    try {
      return JSON.parse(text);
    } catch {
      setProblems(['The rules are not valid JSON.']);
      return undefined;
    }
  };

  const run = async (action: () => Promise<void>) => {
    setProblems([]);
    setFailure(null);
    setBusy(true);
    try {
      await action();
    } catch (error) {
      const failed = asRequestError(error);
      setFailure(failed);
      if (failed.status === 400) setProblems(failed.details);
    } finally {
      setBusy(false);
    }
  };

  const previewNow = () => {
    const rules = parsed();
    if (rules === undefined) return;
    void run(async () => {
      const result = await settings.previewMatchRules(rules);
      setPreview({ text, result });
    });
  };

  const save = (config: SettingsValue) => {
    const rules = parsed();
    if (rules === undefined) return;
    void run(async () => {
      const saved = await settings.save('scoringConfig', { ...config, matchRules: rules });
      setEditor({ status: 'open', config: saved });
      setText(JSON.stringify(saved.matchRules ?? {}, null, 2));
      setPreview(null);
      addAlert({
        type: 'success',
        message:
          'Partner-match rules saved. PartnerLoop re-scores the open deals now; HubSpot shows the new suggestions within minutes.',
      });
    });
  };

  if (editor.status === 'closed') {
    return (
      <Button onClick={() => void open()} testId="match-rules-open">
        Edit partner-match rules
      </Button>
    );
  }
  if (editor.status === 'loading') {
    return <LoadingSpinner label="Loading the partner-match rules…" showLabel={true} testId="match-rules-loading" />;
  }
  if (editor.status === 'failed') {
    return (
      <Alert title="The partner-match rules could not be loaded" variant="error" testId="match-rules-load-error">
        {editor.error.userMessage}
      </Alert>
    );
  }

  const previewed = preview !== null && preview.text === text;
  return (
    <Flex direction="column" gap="sm" testId="match-rules-lever">
      <TextArea
        label="Partner-match rules (JSON)"
        name="match-rules"
        description={`Rules apply to deals in their scope (segments: the attribution segments or "unknown"; regions); "prefer" adds boost fit points when ranking, "exclude" never suggests the partners named (ids, types named/self_serve, tiers). Example: ${JSON.stringify(MATCH_RULES_EXAMPLE.rules[0])}`}
        rows={12}
        resize="vertical"
        value={text}
        readOnly={busy}
        onInput={(next) => setText(next)}
        onChange={(next) => setText(next)}
        error={problems.length > 0}
        testId="match-rules-editor"
      />
      {failure !== null && failure.status === 403 && (
        <Alert
          title="Only a super admin can change the partner-match rules"
          variant="warning"
          testId="match-rules-forbidden"
        >
          {failure.userMessage}.
        </Alert>
      )}
      {problems.length > 0 && (
        <Alert title="The rules were not accepted" variant="error" testId="match-rules-problems">
          <List>
            {problems.map((line) => (
              <Text key={line}>{line}</Text>
            ))}
          </List>
        </Alert>
      )}
      {failure !== null && failure.status !== 403 && failure.status !== 400 && (
        <Alert title="That did not work" variant="error" testId="match-rules-error">
          {failure.userMessage}
        </Alert>
      )}
      <Flex direction="row" gap="sm">
        <Button disabled={busy} onClick={previewNow} testId="match-rules-preview">
          Preview changes
        </Button>
        <Button
          variant="primary"
          disabled={busy || !previewed}
          onClick={() => save(editor.config)}
          testId="match-rules-save"
        >
          Save rules
        </Button>
      </Flex>
      {!previewed && <Text variant="microcopy">Preview the rules to save them.</Text>}
      {preview !== null && <PreviewTable preview={preview.result} stale={!previewed} />}
    </Flex>
  );
}

function PreviewTable({ preview, stale }: { preview: MatchRulesPreview; stale: boolean }) {
  return (
    <Flex direction="column" gap="xs" testId="match-rules-result">
      <Text testId="match-rules-summary">
        {preview.changed === 0
          ? `No open deal's next-best partner would change (${preview.openDeals} open deals, as of ${preview.asOf}).`
          : `${preview.changed} of ${preview.openDeals} open deals would get a different next-best partner (as of ${preview.asOf})${preview.truncated ? `; the first ${preview.changes.length} are listed` : ''}.`}
        {stale ? ' The rules changed since this preview.' : ''}
      </Text>
      {preview.changes.length > 0 && (
        <Table bordered={true} testId="match-rules-changes">
          <TableHead>
            <TableRow>
              <TableHeader>Deal</TableHeader>
              <TableHeader>Now</TableHeader>
              <TableHeader>With these rules</TableHeader>
              <TableHeader>Why</TableHeader>
            </TableRow>
          </TableHead>
          <TableBody>
            {preview.changes.map((change) => (
              <TableRow key={change.dealId} testId={`match-change-${change.dealId}`}>
                <TableCell>{change.dealName}</TableCell>
                <TableCell>{change.before === null ? 'no suggestion' : change.before.name}</TableCell>
                <TableCell>{change.after === null ? 'no suggestion' : change.after.name}</TableCell>
                <TableCell>{change.reason}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </Flex>
  );
}
