import { readFile } from "node:fs/promises";
import { messageOf } from "../log/message-of";
import type { Json } from "./engine";
import type { ResourceMapper } from "./resource-mapper";

/**
 * Where `bbrelay map` gets raw items from: a JSON file, or Bitbucket itself (`--live N`). A source is asked per
 * resource, because a live listing applies that resource's selectors (projects, states, archived) and
 * enrichment, as a resync would.
 */
export interface ItemSource {
  /** `the file items.json`, `Bitbucket (live)`: for messages. */
  readonly description: string;
  items(mapper: ResourceMapper, signal: AbortSignal): AsyncIterable<Json>;
}

/** The input cannot be used: it cannot be read, or it is not JSON; the message says why (the CLI: a usage error). */
export class ItemSourceError extends Error {
  override readonly name = "ItemSourceError";
  constructor(
    readonly kind: "unreadable" | "not-json",
    message: string,
  ) {
    super(message);
  }
}

/**
 * Items from a JSON file: one item (an object) or an array of items. Read once, however many resources ask.
 * @param path the file
 * @param read injected for tests; UTF-8 from disk by default
 */
export function fileItemSource(
  path: string,
  read: (path: string) => Promise<string> = (file) => readFile(file, "utf8"),
): ItemSource {
  let parsed: Promise<Json[]> | null = null;
  const load = async (): Promise<Json[]> => {
    let text: string;
    try {
      text = await read(path);
    } catch (error) {
      const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : "";
      throw new ItemSourceError(
        "unreadable",
        `cannot read --input ${path}: ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : code || "unreadable"}`,
      );
    }
    let value: Json;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new ItemSourceError("not-json", `--input ${path} is not JSON: ${messageOf(error)}`);
    }
    return Array.isArray(value) ? value : [value];
  };
  return {
    description: `the file ${path}`,
    async *items() {
      parsed ??= load();
      yield* await parsed;
    },
  };
}
