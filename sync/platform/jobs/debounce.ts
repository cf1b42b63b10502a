import { createHash } from 'node:crypto';
import type { JobQueue } from './job-queue.ts';

export interface DebounceOptions {
  /** Window length; changes within one window (per tenant) are handled together, once, when it ends. */
  debounceSeconds: number;
  now?: () => number;
}

/**
 * Queues `job` for the end of the tenant's current debounce window: a burst of webhook drains in one window is one
 * job (same key), and the job starts after the last change of its window, so no change is left out. Windows are
 * shifted per tenant so tenants do not all run at the same instant.
 */
export function scheduleDebounced(
  enqueue: JobQueue['enqueue'],
  job: string,
  tenantId: string,
  options: DebounceOptions,
): Promise<string | null> {
  const { key, startAfterSeconds } = debounceSlot(tenantId, options);
  return enqueue(job, { tenantId }, { key, startAfterSeconds });
}

/** The window a change at `now` falls in: its key, when it closes (epoch ms) and the whole seconds until then. */
export function debounceSlot(
  tenantId: string,
  options: DebounceOptions,
): { key: string; startAfterSeconds: number; closesAt: number } {
  const windowMs = Math.max(1, options.debounceSeconds) * 1000;
  const offsetMs = createHash('sha1').update(tenantId).digest().readUInt32BE(0) % windowMs;
  const now = (options.now ?? Date.now)();
  const window = Math.floor((now + offsetMs) / windowMs);
  const closesAt = (window + 1) * windowMs - offsetMs;
  return { key: `${tenantId}:${window}`, startAfterSeconds: Math.ceil((closesAt - now) / 1000), closesAt };
}
