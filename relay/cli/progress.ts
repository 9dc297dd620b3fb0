import type { Writable } from "node:stream";
import type { Logger } from "../log/logger";
import type { KindProgress } from "../sync/resync";

/**
 * Progress of long work: on a terminal, one line per kind rewritten in place; elsewhere (CI, a service), a log line
 * per kind every `everyMs` and when it finishes, so a log shows the work moving without flooding.
 */
export function resyncProgress(options: {
  stream: Writable;
  isTTY: boolean;
  log: Logger;
  everyMs?: number;
  now?: () => number;
}): (progress: KindProgress) => void {
  const now = options.now ?? Date.now;
  const every = options.everyMs ?? 10_000;
  const lastLogged = new Map<number, number>();
  return (progress) => {
    const text = describe(progress);
    if (options.isTTY) {
      options.stream.write(`\r\x1b[2K${text}${progress.phase === "done" ? "\n" : ""}`);
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

function describe(progress: KindProgress): string {
  const rate = progress.elapsedMs > 0 ? Math.round((progress.listed / progress.elapsedMs) * 1000) : 0;
  return `${progress.kind.padEnd(12)} ${progress.phase === "done" ? "done   " : "listing"} ${progress.listed} listed, ${progress.selected} selected, ${progress.written} written, ${progress.unchanged} unchanged${progress.failed > 0 ? `, ${progress.failed} failed` : ""}  (${rate}/s)`;
}
