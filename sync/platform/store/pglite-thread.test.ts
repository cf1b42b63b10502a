import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from './database.ts';
import { PGliteThread } from './pglite-thread.ts';

describe('the embedded database on its own thread', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore({ dataDir: 'memory://' });
    await sql`create table t (id int primary key, note text)`.execute(store.db);
  });
  afterAll(async () => {
    await store?.close();
  });

  it('given a long statement, when it runs, then this thread keeps serving timers meanwhile', async () => {
    const gaps: number[] = [];
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      gaps.push(now - last);
      last = now;
    }, 10);
    const started = performance.now();
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from generate_series(1, 3000000) a where a % 7 = 0`.execute(store.db);
    const ran = performance.now() - started;
    clearInterval(timer);
    expect(rows[0]?.n).toBe(428_571);
    // The statement took a while, and the timer ticked all along (on PGlite's own thread it could not tick at all).
    expect(ran).toBeGreaterThan(100);
    expect(gaps.length).toBeGreaterThanOrEqual(Math.floor(ran / 10 / 3));
    expect(Math.max(...gaps)).toBeLessThan(Math.max(100, ran / 3));
  });

  it('given statements sent without waiting, then they run in the order sent', async () => {
    const insert = sql`insert into t values (1, 'first')`.execute(store.db);
    const update = sql`update t set note = 'second' where id = 1`.execute(store.db);
    const read = sql<{ note: string }>`select note from t where id = 1`.execute(store.db);
    await Promise.all([insert, update]);
    expect((await read).rows).toEqual([{ note: 'second' }]);
  });

  it('given JSON columns, then they arrive parsed as PGlite parses them, dates and numbers as they are', async () => {
    const { rows } = await sql<Record<string, unknown>>`
      select '{"a": [1, {"b": null}]}'::jsonb as doc, '"text"'::jsonb as scalar, null::jsonb as none,
        array['{"a": 1}'::jsonb, '"x"'::jsonb] as docs, '{"c": 2}'::json as plain,
        '2026-12-07T00:00:00Z'::timestamptz as at, 7::int4 as n`.execute(store.db);
    expect(rows).toEqual([
      {
        doc: { a: [1, { b: null }] },
        scalar: 'text',
        none: null,
        docs: [{ a: 1 }, 'x'],
        plain: { c: 2 },
        at: new Date('2026-12-07T00:00:00Z'),
        n: 7,
      },
    ]);
  });

  it("given a constraint violated, then the error keeps Postgres' code and constraint", async () => {
    const failure = await sql`insert into t values (1, 'again')`.execute(store.db).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect(failure).toMatchObject({ code: '23505', constraint: 't_pkey' });
  });

  it('given a text of statements failing after its own begin, then the session is not left in that transaction', async () => {
    // pg-boss' locked setup scripts fail on purpose when two starts race, after their BEGIN.
    await expect(store.executor.executeSql('begin; select 1/0; commit;')).rejects.toMatchObject({ code: '22012' });
    expect((await sql<{ n: number }>`select count(*)::int as n from t`.execute(store.db)).rows).toEqual([{ n: 1 }]);
  });

  it('given a parameter that cannot cross threads, then that call fails and nothing is left waiting', async () => {
    const thread = await PGliteThread.open('memory://');
    await expect(thread.query('select $1::text', [() => 'a function'])).rejects.toThrow();
    expect((await thread.query<{ one: number }>('select 1 as one')).rows).toEqual([{ one: 1 }]);
    await thread.close();
  });

  it('given the database closed, when queried, then the call fails saying the thread has ended', async () => {
    const thread = await PGliteThread.open('memory://');
    expect((await thread.query<{ one: number }>('select 1 as one')).rows).toEqual([{ one: 1 }]);
    await thread.close();
    await expect(thread.query('select 1')).rejects.toThrow("the embedded database's thread has ended");
  });
});
