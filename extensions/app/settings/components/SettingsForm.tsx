import {
  type AddAlertAction,
  Alert,
  Button,
  ErrorState,
  Flex,
  Heading,
  List,
  LoadingSpinner,
  NumberInput,
  Select,
  Text,
  TextArea,
  Tile,
} from '@hubspot/ui-extensions';
import { useCallback, useEffect, useState } from 'react';
import type { CardRequestError } from '../../cards/card-client.ts';
import { asRequestError } from '../../pages/use-operator-home.ts';
import { detailsByField, type SettingsClient, type SettingsDocument, type SettingsValue } from '../settings-client.ts';

/** How one top-level key is shown; keys without a label are shown by name (a new setting still appears). */
export interface FieldLabel {
  label: string;
  description?: string;
}

export interface SettingsFormProps {
  document: SettingsDocument;
  title: string;
  intro: string;
  labels: Readonly<Record<string, FieldLabel>>;
  /**
   * Numeric keys the document may leave out (the service then uses its built-in value): shown even when absent, and
   * left out of the PUT while empty.
   */
  optionalNumbers?: readonly string[];
  client: SettingsClient;
  addAlert: AddAlertAction;
  testId: string;
}

type Draft = boolean | number | string;

type Load =
  | { status: 'loading' }
  | { status: 'failed'; error: CardRequestError }
  | { status: 'ready'; value: SettingsValue };

const NO_KEYS: readonly string[] = [];

const BOOLEAN_OPTIONS = [
  { label: 'Yes', value: true },
  { label: 'No', value: false },
];

/** What a field edits: booleans and numbers as themselves, anything else (lists, objects, text) as JSON. */
function draftsOf(value: SettingsValue, optionalNumbers: readonly string[]): Record<string, Draft> {
  const drafts: Record<string, Draft> = Object.fromEntries(optionalNumbers.map((key) => [key, Number.NaN]));
  for (const [key, field] of Object.entries(value)) {
    drafts[key] = typeof field === 'boolean' || typeof field === 'number' ? field : JSON.stringify(field, null, 2);
  }
  return drafts;
}

function keysOf(value: SettingsValue, optionalNumbers: readonly string[]): string[] {
  return [...new Set([...optionalNumbers, ...Object.keys(value)])];
}

/** The PUT body from the drafts, or the fields that cannot be read (nothing is sent then). */
function bodyOf(
  keys: readonly string[],
  drafts: Record<string, Draft>,
  optionalNumbers: readonly string[],
): { body: SettingsValue } | { problems: Map<string, string[]> } {
  const body: SettingsValue = {};
  const problems = new Map<string, string[]>();
  for (const key of keys) {
    const draft = drafts[key];
    if (typeof draft === 'boolean') body[key] = draft;
    else if (typeof draft === 'number') {
      if (!Number.isNaN(draft)) body[key] = draft;
      else if (!optionalNumbers.includes(key)) problems.set(key, ['enter a number']);
    } else if (typeof draft === 'string') {
      try {
        body[key] = JSON.parse(draft);
      } catch {
        problems.set(key, ['not valid JSON']);
      }
    }
  }
  return problems.size > 0 ? { problems } : { body };
}

/**
 * One admin settings document as a form (SPEC §2.6): read with GET, saved whole with PUT to the same signed endpoint.
 * A 400's details are shown next to the field they name; a non-admin's 403 is said in words; nothing is kept that the
 * service did not answer.
 */
export function SettingsForm({
  document,
  title,
  intro,
  labels,
  optionalNumbers = NO_KEYS,
  client,
  addAlert,
  testId,
}: SettingsFormProps) {
  const [load, setLoad] = useState<Load>({ status: 'loading' });
  const [drafts, setDrafts] = useState<Record<string, Draft>>({});
  const [fieldErrors, setFieldErrors] = useState<ReadonlyMap<string, string[]>>(new Map());
  const [general, setGeneral] = useState<string[]>([]);
  const [failure, setFailure] = useState<CardRequestError | null>(null);
  const [saving, setSaving] = useState(false);

  const reload = useCallback(async () => {
    setLoad({ status: 'loading' });
    try {
      const value = await client.read(document);
      setDrafts(draftsOf(value, optionalNumbers));
      setLoad({ status: 'ready', value });
    } catch (error) {
      setLoad({ status: 'failed', error: asRequestError(error) });
    }
  }, [client, document, optionalNumbers]);

  useEffect(() => {
    void reload();
  }, [reload]);

  if (load.status === 'loading') {
    return (
      <Tile testId={testId}>
        <LoadingSpinner label={`Loading ${title.toLowerCase()}…`} showLabel={true} testId={`${testId}-loading`} />
      </Tile>
    );
  }
  if (load.status === 'failed') {
    return (
      <Tile testId={testId}>
        <ErrorState title={`${title} could not be loaded`} type="error" testId={`${testId}-error`}>
          <Text>{load.error.userMessage}</Text>
          <Button onClick={() => void reload()} testId={`${testId}-retry`}>
            Try again
          </Button>
        </ErrorState>
      </Tile>
    );
  }

  const value = load.value;
  const keys = keysOf(value, optionalNumbers);
  const edit = (key: string, next: Draft) => {
    setDrafts((current) => ({ ...current, [key]: next }));
    setFieldErrors((current) => {
      if (!current.has(key)) return current;
      const copy = new Map(current);
      copy.delete(key);
      return copy;
    });
  };

  const save = async () => {
    setFailure(null);
    setGeneral([]);
    const built = bodyOf(keys, drafts, optionalNumbers);
    if ('problems' in built) {
      setFieldErrors(built.problems);
      return;
    }
    setFieldErrors(new Map());
    setSaving(true);
    try {
      const saved = await client.save(document, built.body);
      setDrafts(draftsOf(saved, optionalNumbers));
      setLoad({ status: 'ready', value: saved });
      addAlert({ type: 'success', message: `${title} saved.` });
    } catch (error) {
      const failed = asRequestError(error);
      if (failed.status === 400) {
        const split = detailsByField(failed.details, keys);
        setFieldErrors(split.byField);
        setGeneral(split.general);
      }
      setFailure(failed);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Tile testId={testId}>
      <Flex direction="column" gap="sm">
        <Heading>{title}</Heading>
        <Text variant="microcopy">{intro}</Text>
        {keys.map((key) => {
          const label = labels[key]?.label ?? key;
          const description = labels[key]?.description;
          const errors = fieldErrors.get(key);
          const common = {
            label,
            name: `${testId}-${key}`,
            ...(description === undefined ? {} : { description }),
            error: errors !== undefined,
            ...(errors === undefined ? {} : { validationMessage: errors.join('; ') }),
            readOnly: saving,
            testId: `${testId}-field-${key}`,
          };
          const draft = drafts[key];
          if (typeof draft === 'boolean') {
            return (
              <Select
                key={key}
                {...common}
                options={BOOLEAN_OPTIONS}
                value={draft}
                onChange={(next) => edit(key, next === true)}
              />
            );
          }
          if (typeof draft === 'number') {
            return (
              <NumberInput
                key={key}
                {...common}
                {...(Number.isNaN(draft) ? {} : { value: draft })}
                {...(optionalNumbers.includes(key) ? { placeholder: 'built-in value' } : {})}
                onChange={(next) => edit(key, typeof next === 'number' ? next : Number.NaN)}
              />
            );
          }
          return (
            <TextArea
              key={key}
              {...common}
              description={`${description === undefined ? '' : `${description} `}(JSON)`}
              rows={Math.min(12, Math.max(2, String(draft ?? '').split('\n').length))}
              resize="vertical"
              value={String(draft ?? '')}
              onChange={(next) => edit(key, next)}
            />
          );
        })}
        {failure !== null && failure.status === 403 && (
          <Alert title="Only a super admin can save these settings" variant="warning" testId={`${testId}-forbidden`}>
            {failure.userMessage}. Ask a super admin of this HubSpot account to make the change.
          </Alert>
        )}
        {failure !== null && failure.status !== 403 && (
          <Alert title={`${title}: not saved`} variant="error" testId={`${testId}-save-error`}>
            {failure.userMessage}
            {general.length > 0 && (
              <List testId={`${testId}-general-errors`}>
                {general.map((line) => (
                  <Text key={line}>{line}</Text>
                ))}
              </List>
            )}
          </Alert>
        )}
        <Flex direction="row" gap="sm">
          <Button variant="primary" disabled={saving} onClick={() => void save()} testId={`${testId}-save`}>
            {saving ? 'Saving…' : 'Save'}
          </Button>
          <Button variant="secondary" disabled={saving} onClick={() => void reload()} testId={`${testId}-reset`}>
            Discard changes
          </Button>
        </Flex>
      </Flex>
    </Tile>
  );
}
