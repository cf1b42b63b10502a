// Preloaded with `node --import` into the measured `partnerloop report` process (bench/report.bench.ts): when that
// process exits, it writes its own resource usage — CPU of every thread (GC helpers included) and peak RSS — to the
// file named by PARTNERLOOP_BENCH_USAGE_FILE. Plain JavaScript: it loads before the CLI registers tsx.
import { writeFileSync } from 'node:fs';

const target = process.env.PARTNERLOOP_BENCH_USAGE_FILE;
if (target) {
  process.on('exit', (code) => {
    const usage = process.resourceUsage();
    writeFileSync(
      target,
      JSON.stringify({
        code,
        userCpuMicros: usage.userCPUTime,
        systemCpuMicros: usage.systemCPUTime,
        maxRssKb: usage.maxRSS,
      }),
    );
  });
}
