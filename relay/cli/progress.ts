import type { Writable } from "node:stream";
import type { Logger } from "../log/logger";
import type { KindProgress } from "../sync/resync";

/**
 * Progress of long work: on a terminal, one line rewritten in place with every kind still running (the kinds of a
 * resync run at once: a line per update would flicker from one kind to the other), and a line of its own for each
 * kind as it finishes; elsewhere (CI, a service), a log line per kind every `everyMs` and when it finishes, so a log
 * shows the work moving without flooding.
 */
export function resyncProgress(options: {
  stream: Writable;
  isTTY: boolean;
  log: Logger;
  everyMs?: number;
  now?: () => number;
  /** The terminal's width: the running line is cut to it, or it would wrap and no longer be rewritten in place. */
  columns?: number;
}): (progress: KindProgress) => void {
  const now = options.now ?? Date.now;
  const every = options.everyMs ?? 10_000;
  const lastLogged = new Map<number, number>();
  /** The kinds still running, by resource, in mapping order. */
  const running = new Map<number, KindProgress>();
  return (progress) => {
    if (options.isTTY) {
      let text = "\r\x1b[2K";
      if (progress.phase === "done") {
        running.delete(progress.resource);
        text += `${describe(progress)}\n`;
      } else running.set(progress.resource, progress);
      if (running.size > 0) text += cut(runningLine([...running.values()]), options.columns);
      options.stream.write(text);
      return;
    }
    const last = lastLogged.get(progress.resource) ?? 0;
    if (progress.phase === "done" || now() - last >= every) {
      lastLogged.set(progress.resource, now());
      options.log.info(
        {
          kind: progress.kind,
          phase: progress.phase,
          listed: progress.listed,
          selected: progress.selected,
          written: progress.written,
          unchanged: progress.unchanged,
          failed: progress.failed,
        },
        "Resync progress",
      );
    }
  };
}

/** One kind in full, or each running kind in short, side by side in mapping order. */
function runningLine(kinds: KindProgress[]): string {
  const [only] = kinds;
  if (kinds.length === 1 && only !== undefined) return describe(only);
  return kinds
    .sort((a, b) => a.resource - b.resource)
    .map((kind) => `${kind.kind} ${kind.listed} listed, ${kind.written + kind.unchanged} done (${rateOf(kind)}/s)`)
    .join(" · ");
}

function cut(line: string, columns: number | undefined): string {
  if (columns === undefined || columns < 2 || line.length < columns) return line;
  return `${line.slice(0, columns - 2)}…`;
}

function rateOf(progress: KindProgress): number {
  return progress.elapsedMs > 0 ? Math.round((progress.listed / progress.elapsedMs) * 1000) : 0;
}

function describe(progress: KindProgress): string {
  const rate = rateOf(progress);
  return `${progress.kind.padEnd(12)} ${progress.phase === "done" ? "done   " : "listing"} ${progress.listed} listed, ${progress.selected} selected, ${progress.written} written, ${progress.unchanged} unchanged${progress.failed > 0 ? `, ${progress.failed} failed` : ""}  (${rate}/s)`;
}
