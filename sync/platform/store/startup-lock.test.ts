import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempDatabase, TEST_DATABASE_URL, type TempDatabase } from '../../../test/support/test-stores.ts';
import { openStore, type Store } from './database.ts';
import { withStartupLock } from './startup-lock.ts';

// Needs two connections to one server database, as replicas have.
describe.skipIf(!TEST_DATABASE_URL)('startup lock on Postgres', () => {
  let database: TempDatabase;
  const stores: Store[] = [];

  beforeAll(async () => {
    database = await createTempDatabase(TEST_DATABASE_URL as string);
    for (let replica = 0; replica < 3; replica += 1) stores.push(await openStore({ databaseUrl: database.url }));
  });
  afterAll(async () => {
    for (const store of stores) await store.close();
    await database?.drop();
  });

  it('given three replicas setting up at once, when each holds the lock, then their setups run one after another', async () => {
    const events: string[] = [];
    await Promise.all(
      stores.map((store, replica) =>
        withStartupLock(store, async () => {
          events.push(`start ${replica}`);
          await new Promise((resolve) => setTimeout(resolve, 200));
          events.push(`end ${replica}`);
        }),
      ),
    );
    expect(events).toHaveLength(6);
    for (let index = 0; index < events.length; index += 2) {
      expect(events[index + 1]).toBe(events[index]?.replace('start', 'end'));
    }
  });

  it('given a setup that fails, when it throws, then the lock is released for the next replica', async () => {
    await expect(
      withStartupLock(stores[0]!, async () => {
        throw new Error('setup failed');
      }),
    ).rejects.toThrow('setup failed');
    await expect(withStartupLock(stores[1]!, async () => 'next')).resolves.toBe('next');
  });
});
