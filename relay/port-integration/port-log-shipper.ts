import type { PortHttp } from "../catalog/port/port-http";
import type { LogLevel, LogRecord } from "../log/logger";
import { messageOf } from "../log/message-of";
import type { PortLogRecord } from "./port-integration-client";

/**
 * Ships the agent's log lines (already redacted by the logger) to the integration's log ingest URL, so Port's
 * data-source page shows them, as Ocean's `HTTPMemoryHandler` does: buffered, sent every few seconds or once 100 lines
 * wait. Bounded: past `maxBuffered` lines the oldest are dropped (and counted), so an unreachable ingest costs a
 * fixed amount of memory and never holds up sync work; `accept` only pushes to the buffer.
 */

export interface PortLogShipperOptions {
  http: PortHttp;
  ingestUrl: string;
  /** Lines kept while the ingest is slow or down (default 1000). */
  maxBuffered?: number;
  /** Lines per request (default 100, Ocean's capacity). */
  batchSize?: number;
  /** Only lines at this level or above (default info). */
  level?: LogLevel;
  /** Told once per failed send (never through the logger: that would ship its own failure). */
  onError?: (message: string) => void;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
// Python's level names, as Ocean's records carry them.
const PORT_LEVEL: Record<LogLevel, string> = { debug: "DEBUG", info: "INFO", warn: "WARNING", error: "ERROR" };

export class PortLogShipper {
  readonly #options: Required<Omit<PortLogShipperOptions, "onError">> & Pick<PortLogShipperOptions, "onError">;
  readonly #buffer: PortLogRecord[] = [];
  #sending: Promise<void> | null = null;
  /** Lines dropped because the buffer was full. */
  dropped = 0;
  /** Lines Port accepted. */
  shipped = 0;

  constructor(options: PortLogShipperOptions) {
    this.#options = { maxBuffered: 1000, batchSize: 100, level: "info", ...options };
  }

  /** A logger sink: buffers the line and returns at once. */
  readonly accept = (record: LogRecord): void => {
    if (ORDER[record.level] < ORDER[this.#options.level]) return;
    this.#buffer.push({
      message: record.message,
      level: PORT_LEVEL[record.level],
      timestamp: pythonTimestamp(record.time),
      extra: record.fields,
    });
    const excess = this.#buffer.length - this.#options.maxBuffered;
    if (excess > 0) {
      this.#buffer.splice(0, excess);
      this.dropped += excess;
    }
    if (this.#buffer.length >= this.#options.batchSize) void this.flush();
  };

  get buffered(): number {
    return this.#buffer.length;
  }

  /** Sends what is buffered, one batch after the other; one flush at a time. Never throws. */
  flush(): Promise<void> {
    this.#sending ??= this.#drain().finally(() => {
      this.#sending = null;
    });
    return this.#sending;
  }

  async #drain(): Promise<void> {
    while (this.#buffer.length > 0) {
      const batch = this.#buffer.slice(0, this.#options.batchSize);
      try {
        const response = await this.#options.http.request("POST", this.#options.ingestUrl, {
          body: JSON.stringify({ logs: batch }),
        });
        if (response.status < 200 || response.status >= 300) throw new Error(`HTTP ${response.status}`);
      } catch (error) {
        // Kept for the next flush (the buffer's bound drops the oldest if Port stays away).
        this.#options.onError?.(`could not ship ${batch.length} log lines to Port: ${messageOf(error)}`);
        return;
      }
      this.#buffer.splice(0, batch.length);
      this.shipped += batch.length;
    }
  }
}

/** `YYYY-MM-DDTHH:MM:SS.ffffffZ`, as Ocean's handler formats `record.created`. */
function pythonTimestamp(time: Date): string {
  return time.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}
