import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU seconds so far of every process on the machine, by kind (from /proc; Linux only): the services by their entry
 * point, the Kafka broker, PostgreSQL, and this process (`load generator`). A bench reads it before and after a run
 * and divides the difference by the notes, which says where a shared machine's cores went.
 */
export function processCpu(): Record<string, number> {
  const seconds: Record<string, number> = {};
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const app = /apps\/(gateway|extractor|validator)\//.exec(command)?.[1];
      const kind =
        app ??
        (command.includes('kafka.Kafka')
          ? 'broker'
          : stat.includes('(postgres)')
            ? 'postgres'
            : Number(pid) === process.pid
              ? 'load generator'
              : 'other');
      // utime + stime, plus cutime + cstime: a PostgreSQL backend that exits (a pool closing) is counted in its
      // postmaster's children's time, and a backend has no children of its own.
      const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
      seconds[kind] = (seconds[kind] ?? 0) + ticks / 100;
    } catch {
      // the process ended between the listing and the read
    }
  }
  return seconds;
}

/** CPU milliseconds per note of each kind between two readings (kinds other than `other`). */
export function cpuMsPerNote(
  before: Record<string, number>,
  after: Record<string, number>,
  notes: number,
): Record<string, number> {
  return Object.fromEntries(
    Object.entries(after)
      .filter(([kind]) => kind !== 'other')
      .map(([kind, s]) => [kind, Number((((s - (before[kind] ?? 0)) * 1000) / notes).toFixed(2))]),
  );
}
