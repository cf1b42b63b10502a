import type { RequestHandler, Router } from 'express';

export interface ListedRoute {
  method: string;
  /** The mount path joined with the route's own path, e.g. `/api/card/deals/:dealId`. */
  path: string;
}

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
  /** The path the layer was mounted with (router 2.x keeps it as given). */
  rawPath?: string | string[];
  slash?: boolean;
}

/**
 * Every method and path the given mounted routers answer, nested routers included (walking Express 5 / router 2.x
 * layers). A test can hold each route to a rule — e.g. tenant isolation — so a route added later without a case
 * fails that test instead of going unchecked.
 */
export function listRoutes(mounts: ReadonlyArray<{ path: string; handler: RequestHandler | Router }>): ListedRoute[] {
  const out: ListedRoute[] = [];
  const walk = (stack: readonly Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const path of paths) {
          for (const [method, on] of Object.entries(layer.route.methods)) {
            if (on && method !== '_all') out.push({ method: method.toUpperCase(), path: `${prefix}${path}` });
          }
        }
        continue;
      }
      const nested = layer.handle?.stack;
      if (!nested) continue; // plain middleware
      const raw = layer.slash || layer.rawPath === undefined ? [''] : [layer.rawPath].flat();
      for (const path of raw) walk(nested, `${prefix}${path === '/' ? '' : path}`);
    }
  };
  for (const mount of mounts) {
    const stack = (mount.handler as unknown as { stack?: Layer[] }).stack;
    if (stack) walk(stack, mount.path);
  }
  return out;
}
