import { readdirSync, readFileSync } from 'node:fs';

/** Readings from Linux /proc: CPU time in clock ticks (CLK_TCK = 100 on Linux), memory in kB. */

export const TICKS_PER_SECOND = 100;

/** utime + stime of one process, in ticks (fields 14 and 15 of /proc/<pid>/stat). */
export function processCpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** VmRSS (now) and VmHWM (peak so far) of one process, in kB; zeros once it has exited. */
export function processMemoryKb(pid: number): { rss: number; hwm: number } {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return { rss: 0, hwm: 0 };
  }
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rss: field('VmRSS'), hwm: field('VmHWM') };
}

/** Busy ticks of the whole machine, all cores (first line of /proc/stat, less idle and iowait). */
export function machineBusyTicks(): number {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq, steal] = values.map(Number);
  return user + nice + system + irq + softirq + steal;
}

/** The pid of the local MariaDB (or MySQL) server, or null if it is not on this machine. */
export function findDatabasePid(): number | null {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const name = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (name === 'mariadbd' || name === 'mysqld') return Number(entry);
    } catch {
      // the process ended while we looked
    }
  }
  return null;
}

/** Samples a process's VmRSS every `intervalMs` and keeps the highest value seen. */
export function sampleRss(pid: number, intervalMs = 100) {
  let peakKb = 0;
  const sample = () => {
    peakKb = Math.max(peakKb, processMemoryKb(pid).rss);
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    /** Stops sampling; returns the peak sampled VmRSS and the kernel's VmHWM, in kB. */
    stop(): { peakRssKb: number; hwmKb: number } {
      clearInterval(timer);
      sample();
      return { peakRssKb: peakKb, hwmKb: processMemoryKb(pid).hwm };
    },
  };
}
