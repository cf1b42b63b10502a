import { createReadStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { readRecords } from './record-reader.ts';

/**
 * The reader splits lines itself (for speed) and must number them as `readline` does: `\r\n`, `\n` or a lone `\r`,
 * wherever the read chunks (64 KiB) happen to cut the file — through a `\r\n`, or through a multi-byte character.
 */
const dir = mkdtempSync(join(tmpdir(), 'pl-line-breaks-'));
const CHUNK = 64 * 1024;
const schema = z.object({ n: z.number(), text: z.string() });

async function readlineNumbers(path: string): Promise<Array<{ line: number; n: number }>> {
  const found: Array<{ line: number; n: number }> = [];
  let line = 0;
  for await (const text of createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY })) {
    line += 1;
    if (text.trim() !== '') found.push({ line, n: (JSON.parse(text) as { n: number }).n });
  }
  return found;
}

async function readerNumbers(path: string): Promise<Array<{ line: number; n: number; text: string }>> {
  const found: Array<{ line: number; n: number; text: string }> = [];
  for await (const { line, record } of readRecords(path, { schema, csvColumns: {} })) {
    found.push({ line, n: record.n, text: record.text });
  }
  return found;
}

describe('line breaks across read chunks', () => {
  it.each(['\n', '\r\n', '\r', 'mixed'])(
    'given records ended by %j over several chunks, then the lines are numbered as readline numbers them',
    async (ending) => {
      const breaks = ['\n', '\r\n', '\r', '\n\n', '\r\n\r\n'];
      let content = '';
      for (let n = 0; content.length < 3 * CHUNK; n += 1) {
        // Padding lengths vary so that breaks and multi-byte characters land on the chunk boundaries.
        const text = `é€😀${'x'.repeat((n * 37) % 211)}`;
        content += JSON.stringify({ n, text }) + (ending === 'mixed' ? (breaks[n % breaks.length] as string) : ending);
      }
      const path = join(dir, `records-${breaks.indexOf(ending)}.jsonl`);
      writeFileSync(path, content);
      const expected = await readlineNumbers(path);
      const read = await readerNumbers(path);
      expect(read.map(({ line, n }) => ({ line, n }))).toEqual(expected);
      expect(read.every((r) => r.text.startsWith('é€😀'))).toBe(true);
    },
  );

  it('given a CRLF cut between two chunks and a last line without a break, then neither adds a line', async () => {
    const first = JSON.stringify({ n: 1, text: '' });
    const padded = JSON.stringify({ n: 1, text: 'y'.repeat(CHUNK - 1 - first.length) });
    expect(padded.length).toBe(CHUNK - 1); // its \r is the chunk's last byte, the \n the next chunk's first
    const path = join(dir, 'cut.jsonl');
    writeFileSync(
      path,
      `${padded}\r\n${JSON.stringify({ n: 2, text: 'z' })}\r\n\r\n${JSON.stringify({ n: 3, text: '' })}`,
    );
    expect((await readerNumbers(path)).map(({ line, n }) => ({ line, n }))).toEqual([
      { line: 1, n: 1 },
      { line: 2, n: 2 },
      { line: 4, n: 3 },
    ]);
    expect(await readlineNumbers(path)).toEqual([
      { line: 1, n: 1 },
      { line: 2, n: 2 },
      { line: 4, n: 3 },
    ]);
  });
});
