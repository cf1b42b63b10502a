import type { RequestHandler } from 'express';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** One Prometheus registry per service instance (tests start several in one process). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'partnerloop_' });
  const httpDuration = new Histogram({
    name: 'partnerloop_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const jobsFinished = new Counter({
    name: 'partnerloop_jobs_total',
    help: 'Jobs finished by name and outcome',
    labelNames: ['job', 'outcome'] as const,
    registers: [registry],
  });
  const middleware: RequestHandler = (req, res, next) => {
    const stop = httpDuration.startTimer({ method: req.method });
    res.on('finish', () => {
      // The matched route pattern, not the raw path: ids must not explode the label set.
      const route = (req.route?.path as string | undefined) ?? (res.statusCode === 404 ? 'unmatched' : req.path);
      stop({ route, status: String(res.statusCode) });
    });
    next();
  };
  return { registry, middleware, jobsFinished };
}

export type Metrics = ReturnType<typeof createMetrics>;
