import express, { type Express, type RequestHandler } from 'express';
import { sql } from 'kysely';
import type { Logger } from '../log/logger.ts';
import type { Store } from '../store/database.ts';
import { isSchemaCurrent } from '../store/migrate.ts';
import { envelope, errorMiddleware, notFoundHandler } from './error-envelope.ts';
import type { Metrics } from './metrics.ts';

export const BODY_LIMIT = '1mb';

export interface AppDeps {
  store: Store;
  logger: Logger;
  metrics: Metrics;
  /**
   * Routers mounted by features (webhooks, OAuth, card API), in order. `ownBody` routes read their body themselves
   * (signed routes verify the raw bytes before any parsing) and are mounted ahead of the shared JSON parser.
   */
  routes?: ReadonlyArray<{ path: string; handler: RequestHandler | express.Router; ownBody?: boolean }>;
}

declare module 'http' {
  interface IncomingMessage {
    /** The exact bytes received, kept for signature verification. */
    rawBody?: Buffer;
  }
}

/** The Express app: health, readiness, metrics, JSON bodies ≤ 1 MB (raw bytes kept), and the error envelope. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(deps.metrics.middleware);
  app.use(requestLog(deps.logger));
  for (const route of deps.routes ?? []) if (route.ownBody) app.use(route.path, route.handler);
  app.use(
    express.json({
      limit: BODY_LIMIT,
      type: ['application/json', 'application/*+json'],
      verify: (req, _res, buf) => {
        req.rawBody = buf;
      },
    }),
  );

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/readyz', async (_req, res) => {
    try {
      await sql`select 1`.execute(deps.store.db);
      if (!(await isSchemaCurrent(deps.store.db))) {
        res.status(503).json(envelope('not_ready', 'database migrations are not applied'));
        return;
      }
      res.json({ status: 'ready', database: deps.store.kind });
    } catch (error) {
      deps.logger.warn({ err: error }, 'readiness check failed');
      res.status(503).json(envelope('not_ready', 'database is not reachable'));
    }
  });

  app.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  for (const route of deps.routes ?? []) if (!route.ownBody) app.use(route.path, route.handler);

  app.use(notFoundHandler);
  app.use(errorMiddleware(deps.logger));
  return app;
}

function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    res.on('finish', () => {
      // The path only: query strings can carry OAuth codes and states.
      logger.debug(
        { method: req.method, path: req.path, status: res.statusCode, ms: Math.round(performance.now() - started) },
        'request',
      );
    });
    next();
  };
}
