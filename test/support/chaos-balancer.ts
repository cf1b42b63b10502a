import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SeededRandom } from '../../src/shared/seeded-random.ts';
import { answerHeaders, forwardHeaders } from './recording-proxy.ts';

/**
 * The load balancer in front of the chaos test's replicas: its origin is everyone's PUBLIC_URL (HubSpot signs against
 * it, the OAuth redirect comes back to it), and it spreads requests round-robin over the replicas it knows. Like a
 * real one it answers 502 when the replica it picked dies mid-request, and HubSpot (the sandbox) redelivers.
 *
 * It also makes HubSpot's duplicate deliveries: the first webhook batch that carried new events and a share of the
 * later ones (a quarter of that share of the others) are sent a second time, byte for byte (same signature and
 * timestamp), to another replica once the first delivery was answered.
 */
export interface Balancer {
  url: string;
  add(backend: string): void;
  remove(backend: string): void;
  /** No request (or duplicate delivery) in flight. */
  idle(): boolean;
  stats: BalancerStats;
  close(): Promise<void>;
}

export interface BalancerStats {
  forwarded: number;
  /** Requests answered 502 because the replica failed before answering (killed). */
  failed: number;
  webhookBatches: number;
  duplicatesSent: number;
  /** Events the service stored again from a duplicate delivery (0 unless the original's replica died first). */
  duplicateEventsAccepted: number;
  /** Events the service recognised as already stored, from duplicate deliveries. */
  duplicateEventsRecognised: number;
}

export async function startBalancer(options: { duplicateRate: number; seed?: number }): Promise<Balancer> {
  const backends: string[] = [];
  let next = 0;
  let inFlight = 0;
  let workBatches = 0;
  const random = new SeededRandom(options.seed ?? 7).next; // a seed gives the same duplicate pattern
  const stats: BalancerStats = {
    forwarded: 0,
    failed: 0,
    webhookBatches: 0,
    duplicatesSent: 0,
    duplicateEventsAccepted: 0,
    duplicateEventsRecognised: 0,
  };
  const pick = (): string | undefined => {
    if (backends.length === 0) return undefined;
    next = (next + 1) % backends.length;
    return backends[next];
  };
  const send = (backend: string, method: string, path: string, headers: Record<string, string>, body: Buffer) =>
    fetch(`${backend}${path}`, {
      method,
      headers,
      redirect: 'manual',
      ...(method === 'GET' || method === 'HEAD' ? {} : { body: new Uint8Array(body) }),
    });

  const duplicate = async (path: string, headers: Record<string, string>, body: Buffer) => {
    const backend = pick();
    if (!backend) return;
    stats.duplicatesSent += 1;
    try {
      const response = await send(backend, 'POST', path, headers, body);
      const answer = (await response.json().catch(() => ({}))) as { accepted?: number; duplicates?: number };
      stats.duplicateEventsAccepted += answer.accepted ?? 0;
      stats.duplicateEventsRecognised += answer.duplicates ?? 0;
    } catch {
      // The replica died: HubSpot's own duplicate would have been lost the same way.
    }
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      inFlight += 1;
      const method = req.method ?? 'GET';
      const path = req.url ?? '/';
      const headers = forwardHeaders(req.headers);
      const body = Buffer.concat(chunks);
      const webhook = method === 'POST' && path.startsWith('/webhooks/hubspot');
      const forward = async () => {
        // A replica that refuses the connection never saw the request: the next one gets it.
        for (let tries = 0; tries < Math.max(1, backends.length); tries += 1) {
          const backend = pick();
          if (!backend) break;
          try {
            return await send(backend, method, path, headers, body);
          } catch (error) {
            const code = (error as { cause?: { code?: string } }).cause?.code;
            if (code !== 'ECONNREFUSED') throw error;
          }
        }
        throw new Error('no replica');
      };
      forward()
        .then(async (response) => {
          stats.forwarded += 1;
          const answer = Buffer.from(await response.arrayBuffer());
          res.writeHead(response.status, answerHeaders(response)).end(answer);
          if (webhook && response.ok) {
            stats.webhookBatches += 1;
            // Batches that carried work (a seller's changes) are the duplicates that matter: the first one always
            // comes twice, then `duplicateRate` of them; our own echoes (ignored) at a quarter of that rate.
            const accepted = (JSON.parse(answer.toString('utf8')) as { accepted?: number }).accepted ?? 0;
            if (accepted > 0) workBatches += 1;
            const twice =
              accepted > 0
                ? workBatches === 1 || random() < options.duplicateRate
                : random() < options.duplicateRate / 4;
            if (twice) await duplicate(path, headers, body);
          }
        })
        .catch(() => {
          stats.failed += 1;
          if (!res.headersSent) res.writeHead(502).end();
        })
        .finally(() => {
          inFlight -= 1;
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    add: (backend) => {
      if (!backends.includes(backend)) backends.push(backend);
    },
    remove: (backend) => {
      const index = backends.indexOf(backend);
      if (index >= 0) backends.splice(index, 1);
    },
    idle: () => inFlight === 0,
    stats,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
