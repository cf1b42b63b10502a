import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { AppError, InvalidInputError } from '../../src/shared/errors.ts';
import type { CliIo } from './cli-command.ts';

/**
 * Writes lines to `path` (or stdout when no path): to a temporary file first, renamed into place only when every
 * line was written, so a failed run never leaves output that looks complete.
 */
export async function writeLines(path: string | undefined, lines: Iterable<string> | AsyncIterable<string>, io: CliIo) {
  if (path === undefined) {
    // A reader that stops early (`| head`) closes the pipe: stop writing quietly, that is not a failure.
    let closed = false;
    const onError = (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') closed = true;
    };
    io.stdout.on('error', onError);
    try {
      for await (const line of lines) {
        if (closed) return;
        if (!io.stdout.write(`${line}\n`)) await drainOrClose(io.stdout);
      }
    } finally {
      io.stdout.off('error', onError);
    }
    return;
  }
  const temporary = `${path}.partial-${process.pid}`;
  const out = createWriteStream(temporary, { encoding: 'utf8' });
  try {
    for await (const line of lines) {
      if (!out.write(`${line}\n`)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    await rename(temporary, path);
  } catch (error) {
    // The file opens asynchronously: wait until the stream has closed, or the open could recreate it after `rm`.
    if (!out.closed) {
      const closed = once(out, 'close').catch(() => undefined);
      out.destroy();
      await closed;
    }
    await rm(temporary, { force: true });
    throw error;
  }
}

/** A progress line on stderr for long work (only when stderr is a terminal, or forced). */
export function progressReporter(io: CliIo, label: string, force = false) {
  const tty = (io.stderr as NodeJS.WriteStream).isTTY === true;
  let last = 0;
  return {
    update(done: number, total?: number) {
      if (!tty && !force) return;
      const now = Date.now();
      if (now - last < 250) return;
      last = now;
      const of = total === undefined ? '' : ` / ${total}`;
      io.stderr.write(tty ? `\r${label}: ${done}${of}` : `${label}: ${done}${of}\n`);
    },
    done(message: string) {
      if (tty) io.stderr.write(`\r${label}: ${message}\n`);
      else if (force) io.stderr.write(`${label}: ${message}\n`);
    },
  };
}

/** Waits for `drain`, or for the stream to fail/close (events.once would reject on the error instead). */
function drainOrClose(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('error', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('error', done);
    stream.on('close', done);
  });
}

/** `writeLines` for a command's `--out`: a file that cannot be written is a one-line error naming it. */
export async function writeOutput(out: string | undefined, lines: readonly string[], io: CliIo) {
  try {
    await writeLines(out, lines, io);
  } catch (error) {
    if (error instanceof AppError || out === undefined) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
    throw new InvalidInputError(`cannot write --out ${out}: ${code}`, { cause: error });
  }
}
