/** A benchmark of `npm run bench`: returns a JSON-serialisable report with its targets and whether they were met. */
export interface BenchModule {
  name: string;
  description: string;
  run(options: { quick: boolean; log: (line: string) => void }): Promise<Record<string, unknown>>;
}
