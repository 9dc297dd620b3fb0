import type { Writable } from "node:stream";
import { Redactor } from "./redact";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFormat = "human" | "json";
export type LogFields = Record<string, unknown>;

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  stream: Writable;
  format: LogFormat;
  level?: LogLevel;
  redactor?: Redactor;
  /** Fields added to every line (a run id, a delivery id). */
  bindings?: LogFields;
  clock?: () => Date;
  /** Receivers of every written line, redacted (Port's log ingest); shared with child loggers. */
  sinks?: LogSink[];
}

/** A written line as a sink receives it: already redacted, never a secret. */
export interface LogRecord {
  time: Date;
  level: LogLevel;
  message: string;
  fields: LogFields;
}

/** Must return at once and never throw: it is called on the logging path. */
export type LogSink = (record: LogRecord) => void;

/**
 * Structured logs with static messages (`log.warn({ deliveryId }, "Bitbucket fetch failed")`) so that lines
 * group. Human lines on a terminal, JSON lines otherwise. Every line goes through the redactor: no secret reaches
 * a log, whatever a caller passes in.
 */
export class Logger {
  readonly #options: Required<Omit<LoggerOptions, "bindings">> & { bindings: LogFields };

  constructor(options: LoggerOptions) {
    this.#options = {
      level: "info",
      redactor: new Redactor(),
      clock: () => new Date(),
      bindings: {},
      sinks: [],
      ...options,
    };
  }

  /**
   * Sends every line this logger and its children write (from now on) to `sink` too, after redaction.
   * @returns a function that detaches it
   */
  addSink(sink: LogSink): () => void {
    const { sinks } = this.#options;
    sinks.push(sink);
    return () => {
      const index = sinks.indexOf(sink);
      if (index >= 0) sinks.splice(index, 1);
    };
  }

  get format(): LogFormat {
    return this.#options.format;
  }

  get redactor(): Redactor {
    return this.#options.redactor;
  }

  child(bindings: LogFields): Logger {
    return new Logger({ ...this.#options, bindings: { ...this.#options.bindings, ...bindings } });
  }

  isEnabled(level: LogLevel): boolean {
    return LEVELS[level] >= LEVELS[this.#options.level];
  }

  debug(fields: LogFields, message: string): void {
    this.#write("debug", fields, message);
  }

  info(fields: LogFields, message: string): void {
    this.#write("info", fields, message);
  }

  warn(fields: LogFields, message: string): void {
    this.#write("warn", fields, message);
  }

  error(fields: LogFields, message: string): void {
    this.#write("error", fields, message);
  }

  #write(level: LogLevel, fields: LogFields, message: string): void {
    if (!this.isEnabled(level)) return;
    const { redactor, bindings, stream, format, clock } = this.#options;
    const all = redactor.redactValue({ ...bindings, ...fields }) as LogFields;
    const text = redactor.redact(message);
    if (this.#options.sinks.length > 0) {
      const record: LogRecord = { time: clock(), level, message: text, fields: all };
      for (const sink of this.#options.sinks) sink(record);
    }
    if (format === "json") {
      stream.write(`${JSON.stringify({ time: clock().toISOString(), level, msg: text, ...all })}\n`);
      return;
    }
    const details = Object.entries(all)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => `${key}=${typeof value === "string" ? quoteIfNeeded(value) : JSON.stringify(value)}`)
      .join(" ");
    const prefix = level === "info" ? "" : `${level.toUpperCase()} `;
    stream.write(`${prefix}${text}${details ? `  ${details}` : ""}\n`);
  }
}

function quoteIfNeeded(value: string): string {
  return /[\s"=]/.test(value) ? JSON.stringify(value) : value;
}
