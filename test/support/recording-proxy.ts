import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface RecordingProxy {
  /** The proxy's origin: use it as PUBLIC_URL, as HubSpot would see a service behind a reverse proxy. */
  url: string;
  recorded: RecordedRequest[];
  /** Sends a recorded request again, byte for byte (a HubSpot redelivery). */
  replay(request: RecordedRequest): Promise<Response>;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive']);

/** A request's headers as a proxy passes them on to the service (hop-by-hop ones dropped). */
export function forwardHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** The service's response headers as a proxy passes them back (hop-by-hop ones dropped; `fetch` already decoded). */
export function answerHeaders(response: Response): Record<string, string> {
  const out: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (!HOP_BY_HOP.has(name) && name !== 'content-encoding') out[name] = value;
  });
  return out;
}

/** A reverse proxy in front of the service that records every request, so tests can replay webhook deliveries. */
export async function startRecordingProxy(target: () => string): Promise<RecordingProxy> {
  const recorded: RecordedRequest[] = [];
  const send = (request: RecordedRequest) =>
    fetch(`${target()}${request.path}`, {
      method: request.method,
      headers: forwardHeaders(request.headers),
      redirect: 'manual',
      ...(request.method === 'GET' || request.method === 'HEAD' ? {} : { body: new Uint8Array(request.body) }),
    });
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: RecordedRequest = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      recorded.push(request);
      send(request)
        .then(async (response) => {
          const body = Buffer.from(await response.arrayBuffer());
          res.writeHead(response.status, answerHeaders(response)).end(body);
        })
        .catch(() => res.writeHead(502).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    recorded,
    replay: send,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
