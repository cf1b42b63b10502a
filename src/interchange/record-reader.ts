import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { createInterface } from 'node:readline';
import type { z } from 'zod';
import { BadRecordError, InvalidInputError } from '../shared/errors.ts';
import { type CsvColumnKind, splitCsvRecord, unflattenCsvRow } from './csv.ts';

export type RecordFormat = 'jsonl' | 'csv';

export interface ReadRecordsOptions<S extends z.ZodType> {
  schema: S;
  /** How CSV cells convert before validation; columns not listed are text. */
  csvColumns: Readonly<Record<string, CsvColumnKind>>;
  /** Forced format; otherwise `.csv` is CSV and everything else JSONL. */
  format?: RecordFormat | undefined;
}

export interface ReadRecord<T> {
  line: number;
  record: T;
}

export function formatOf(path: string): RecordFormat {
  return extname(path).toLowerCase() === '.csv' ? 'csv' : 'jsonl';
}

/**
 * Streams validated records from a JSONL or CSV file. A bad record throws a BadRecordError naming the file and the
 * line it starts on; unknown fields are ignored; blank lines are skipped.
 */
export async function* readRecords<S extends z.ZodType>(
  path: string,
  options: ReadRecordsOptions<S>,
): AsyncGenerator<ReadRecord<z.infer<S>>> {
  await assertReadableFile(path);
  const source = basename(path);
  const format = options.format ?? formatOf(path);
  const raw = format === 'csv' ? readCsvRows(path, source, options.csvColumns) : readJsonLines(path, source);
  for await (const { line, value } of raw) {
    const parsed = options.schema.safeParse(value);
    if (!parsed.success) {
      throw new BadRecordError(source, line, describeIssues(parsed.error.issues), { recordId: recordIdOf(value) });
    }
    yield { line, record: parsed.data };
  }
}

/** Reads every record into memory (for the CLI commands that need the whole set). */
export async function readAllRecords<S extends z.ZodType>(
  path: string,
  options: ReadRecordsOptions<S>,
): Promise<z.infer<S>[]> {
  const records: z.infer<S>[] = [];
  for await (const { record } of readRecords(path, options)) records.push(record);
  return records;
}

async function assertReadableFile(path: string): Promise<void> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new InvalidInputError(`${path} is not a file`);
  } catch (error) {
    if (error instanceof InvalidInputError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(code);
    throw new InvalidInputError(`cannot read ${path}: ${why}`, { cause: error });
  }
}

function lines(path: string) {
  return createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Number.POSITIVE_INFINITY });
}

async function* readJsonLines(path: string, source: string): AsyncGenerator<{ line: number; value: unknown }> {
  let line = 0;
  for await (const text of lines(path)) {
    line += 1;
    const trimmed = (line === 1 ? stripBom(text) : text).trim();
    if (trimmed === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (error) {
      throw new BadRecordError(source, line, 'not valid JSON', { cause: error });
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new BadRecordError(source, line, 'expected a JSON object');
    }
    yield { line, value };
  }
}

async function* readCsvRows(
  path: string,
  source: string,
  columns: Readonly<Record<string, CsvColumnKind>>,
): AsyncGenerator<{ line: number; value: unknown }> {
  let header: string[] | undefined;
  let pending = '';
  let startLine = 0;
  let line = 0;
  for await (const text of lines(path)) {
    line += 1;
    const physical = line === 1 ? stripBom(text) : text;
    if (pending === '') {
      if (physical.trim() === '') continue;
      startLine = line;
      pending = physical;
    } else {
      pending += `\n${physical}`;
    }
    const cells = splitCsvRecord(pending);
    if (cells === undefined) continue; // a quoted cell spans lines
    pending = '';
    if (header === undefined) {
      header = cells.map((cell) => cell.trim());
      const duplicate = header.find((name, index) => header?.indexOf(name) !== index);
      if (duplicate) throw new BadRecordError(source, startLine, `duplicate column "${duplicate}" in the header`);
      continue;
    }
    if (cells.length !== header.length) {
      throw new BadRecordError(source, startLine, `expected ${header.length} cells, found ${cells.length}`);
    }
    let value: Record<string, unknown>;
    try {
      value = unflattenCsvRow(header, cells, columns);
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      const recordId = cells[header.indexOf('id')]?.trim() || undefined;
      throw new BadRecordError(source, startLine, error.message, { cause: error, recordId });
    }
    yield { line: startLine, value };
  }
  if (pending !== '') throw new BadRecordError(source, startLine, 'unterminated quoted cell');
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function recordIdOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const id = (value as { id?: unknown }).id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const shown = issues.slice(0, 3).map((issue) => {
    const path = issue.path.map(String).join('.');
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  const more = issues.length > 3 ? ` (+${issues.length - 3} more)` : '';
  return shown.join('; ') + more;
}
