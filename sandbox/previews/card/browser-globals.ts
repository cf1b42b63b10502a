// The few browser APIs the local card preview touches, typed here. The project type-checks without `lib.dom` (the
// service is Node), and pulling the DOM lib in for two files would change global types (timers, events) for every
// other file; so the preview reads the DOM through these narrow views instead.

export interface BrowserLocation {
  readonly href: string;
  readonly origin: string;
  assign(url: string): void;
}

export interface BrowserElement {
  readonly textContent: string | null;
}

interface BrowserGlobals {
  readonly location: BrowserLocation;
  readonly document: { getElementById(id: string): BrowserElement | null };
  open(url: string, target: string, features: string): unknown;
}

/** `window`, as far as the preview needs it. Only valid in the browser bundle. */
export const browser = globalThis as unknown as BrowserGlobals;

/** The current value of the form control an event came from (`input`, `textarea`, `select`). */
export function controlValue(event: { currentTarget: unknown }): string {
  const { value } = event.currentTarget as { value?: unknown };
  return typeof value === 'string' ? value : '';
}
