/**
 * Memory figures for the benchmarks: a sampler of RSS and heap at a fixed interval (the peak of a run is what an
 * operator sizes a machine by, and a single reading at the end misses it), heap after a full GC (what a run really
 * retains), and the process's lifetime peak RSS as the kernel counts it (`resourceUsage().maxRSS`).
 */

export interface MemoryPeak {
  rssMb: number;
  heapUsedMb: number;
  samples: number;
  /** What the RSS peak was made of, as far as V8 knows (the rest is native: SQLite, worker threads, malloc). */
  atRssPeak: { heapTotalMb: number; externalMb: number };
}

export interface MemorySamplerOptions {
  /** Milliseconds between samples (default 100). */
  intervalMs?: number;
  read?: () => NodeJS.MemoryUsage;
}

export class MemorySampler {
  readonly #read: () => NodeJS.MemoryUsage;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | null = null;
  #peakRss = 0;
  #peakHeap = 0;
  #samples = 0;
  #atPeak = { heapTotal: 0, external: 0 };

  constructor(options: MemorySamplerOptions = {}) {
    this.#read = options.read ?? (() => process.memoryUsage());
    this.#intervalMs = options.intervalMs ?? 100;
  }

  /** Starts sampling (again) from zero. */
  start(): void {
    this.stop();
    this.#peakRss = 0;
    this.#peakHeap = 0;
    this.#samples = 0;
    this.#atPeak = { heapTotal: 0, external: 0 };
    this.sample();
    // unref: a sampler must never keep a finished benchmark alive.
    this.#timer = setInterval(() => this.sample(), this.#intervalMs).unref();
  }

  /** Takes one sample now (also called at milestones, so that a short peak between ticks is not missed there). */
  sample(): NodeJS.MemoryUsage {
    const usage = this.#read();
    this.#samples++;
    if (usage.rss > this.#peakRss) {
      this.#peakRss = usage.rss;
      this.#atPeak = { heapTotal: usage.heapTotal, external: usage.external };
    }
    if (usage.heapUsed > this.#peakHeap) this.#peakHeap = usage.heapUsed;
    return usage;
  }

  stop(): MemoryPeak {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    return {
      rssMb: mb(this.#peakRss),
      heapUsedMb: mb(this.#peakHeap),
      samples: this.#samples,
      atRssPeak: { heapTotalMb: mb(this.#atPeak.heapTotal), externalMb: mb(this.#atPeak.external) },
    };
  }
}

/** Runs a full GC when the process has `--expose-gc` (scripts/bench.mjs passes it); false otherwise. */
export function collectGarbage(): boolean {
  const gc: unknown = Reflect.get(globalThis, "gc");
  if (typeof gc !== "function") return false;
  gc();
  return true;
}

/** Heap in use after a full GC, in MiB (NaN without `--expose-gc`, rather than a misleading figure). */
export function heapAfterGcMb(): number {
  return collectGarbage() ? mb(process.memoryUsage().heapUsed) : Number.NaN;
}

/** The process's peak resident set size so far, in MiB (the kernel's figure: includes native memory such as SQLite's). */
export function maxRssMb(): number {
  // resourceUsage().maxRSS is in kilobytes.
  return process.resourceUsage().maxRSS / 1024;
}

export function mb(bytes: number): number {
  return bytes / 2 ** 20;
}
