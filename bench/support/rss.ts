// Resident memory of this process and of the processes it started (workerd under Miniflare),
// read from /proc every 50 ms while a run is in flight. Anonymous memory (heap, buffers) is kept
// apart from file-backed pages, which the kernel can drop and which say nothing about buffering.
import { readdirSync, readFileSync } from 'node:fs';

export const SAMPLE_EVERY_MS = 50;

export interface Memory {
  /** VmRSS: everything resident. */
  rss: number;
  /** RssAnon: heap, stacks and buffers, the part that grows if a body is held in memory. */
  anon: number;
}

const NONE: Memory = { rss: 0, anon: 0 };

/** Resident memory of a process in bytes; zeros once it is gone. */
export function procMemory(pid: number | 'self'): Memory {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) =>
      Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    return { rss: field('VmRSS'), anon: field('RssAnon') };
  } catch {
    return NONE;
  }
}

/** The sum over several processes. */
export function sumMemory(pids: readonly number[]): Memory {
  return pids
    .map(procMemory)
    .reduce((a, b) => ({ rss: a.rss + b.rss, anon: a.anon + b.anon }), NONE);
}

/** Every live descendant of `pid`, found through the parent ids in /proc. */
export function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name may contain spaces and parentheses; the fields after it do not.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(entry), ppid);
    } catch {
      // exited while we looked
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift();
    for (const [child, ppid] of parentOf) {
      if (ppid === parent) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

export interface PeakMemory {
  /** Highest sampled figures of this process. */
  self: Memory;
  /** Highest sampled sums over the watched processes. */
  others: Memory;
}

function max(a: Memory, b: Memory): Memory {
  return { rss: Math.max(a.rss, b.rss), anon: Math.max(a.anon, b.anon) };
}

/** Samples until stop() is called; `others` are the pids summed into `others`. */
export function startRssSampler(others: readonly number[] = []): { stop(): PeakMemory } {
  let peak: PeakMemory = { self: NONE, others: NONE };
  const sample = () => {
    peak = {
      self: max(peak.self, procMemory('self')),
      others: max(peak.others, sumMemory(others)),
    };
  };
  sample();
  const timer = setInterval(sample, SAMPLE_EVERY_MS);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}
