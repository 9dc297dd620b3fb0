import type { z } from "zod";
import type { Logger } from "../log/logger";
import type { ListingWatch } from "./dropped-items";
import { BitbucketError } from "./errors";
import { type BitbucketTransport, type QueryValue, withQuery } from "./http-transport";
import { recordPageSource } from "./page-source";
import { firstIssue } from "./parse-wire";
import { PageWire } from "./schema";

/**
 * Bitbucket's offset paging, done the way Atlassian says (reference §2): ask for `limit` (1000), accept whatever
 * the server's silent clamp gives, and continue from `nextPageStart`, never from `start + size` (adjacent ids need
 * not be contiguous). Stops on `isLastPage` only. Every other way a listing could end early fails it, naming the
 * page: a body that is not a page (no `values` array, no `isLastPage`), a page not marked last without a
 * `nextPageStart`, a `nextPageStart` that does not advance, more pages than the cap, items without the fields the
 * relay reads (unless the caller takes them as reported, see dropped-items.ts). An empty page that is not
 * the last is followed like any other (a server may filter a page down to nothing). Any failed page throws out of
 * the generator: a listing is never silently truncated (Ocean swallowed page errors and stopped on an empty page,
 * reference ocean §2.1).
 *
 * No concurrency permit is held here: each page is one transport request that takes and releases its own, so a
 * caller may keep hundreds of these generators suspended at `yield` while it runs nested listings.
 */

export interface PaginateOptions<T> extends ListingWatch {
  transport: BitbucketTransport;
  /** Whose turn each page's request waits in (concurrency-limiter.ts). */
  lane?: string | undefined;
  logger: Logger;
  /** Encoded, starting with `/rest/`. */
  path: string;
  query?: Record<string, QueryValue>;
  /**
   * Permissive schema of one item. A page with items that fail it fails the listing, or, with `onDropped`, keeps
   * its good items and reports the others.
   */
  item: z.ZodType<T>;
  pageSize: number;
  maxPages: number;
  /** Optional filter applied after validation (client-side filters such as "not archived"). */
  keep?: (item: T) => boolean;
}

/** @yields each page's valid items (pages left empty by filtering are skipped) */
export async function* paginate<T>(options: PaginateOptions<T>): AsyncGenerator<T[], void, undefined> {
  const { transport, logger, path, item, pageSize, maxPages, keep, onDropped, lane } = options;
  let start = 0;
  for (let page = 1; ; page++) {
    const query = { ...options.query, start, limit: pageSize };
    if (page > maxPages) {
      throw invalid(
        path,
        query,
        `the listing has more than ${maxPages} pages; raise limits.maxPages if that is expected`,
      );
    }
    const response = await transport.request({ method: "GET", path, query, expect: "json", lane });
    const envelope = PageWire.safeParse(response.body);
    if (!envelope.success) throw invalid(path, query, `the body is not a page (${firstIssue(envelope.error)})`);
    const { values, isLastPage, nextPageStart } = envelope.data;
    const items: T[] = [];
    /** Positions in `values` of `items`. */
    const kept: number[] = [];
    let dropped = 0;
    let problem: string | undefined;
    for (const [position, raw] of values.entries()) {
      const parsed = item.safeParse(raw);
      if (!parsed.success) {
        dropped++;
        problem ??= parsed.error.issues
          .map((issue) => `${issue.path.join(".") || "item"}: ${issue.message}`)
          .join(", ");
      } else if (keep === undefined || keep(parsed.data)) {
        items.push(parsed.data);
        kept.push(position);
      }
    }
    if (response.text !== undefined && items.length > 0)
      recordPageSource(items, response.text, kept.length === values.length ? "all" : kept);
    if (dropped > 0) {
      const what = `${dropped} item(s) of the page lack the fields the relay reads (${problem ?? "unknown"})`;
      if (onDropped === undefined) throw invalid(path, query, `${what}, so the listing would be incomplete`);
      logger.warn({ path, start, dropped, problem }, "Bitbucket items skipped: unexpected shape");
      onDropped({ request: `GET ${withQuery(path, query)}`, page, count: dropped, problem: problem ?? "unknown" });
    }
    if (items.length > 0) yield items;
    if (isLastPage) return;
    // A listing taken for complete when it is not would let a reconcile delete what it missed: fail instead.
    if (nextPageStart === undefined || nextPageStart === null) {
      throw invalid(
        path,
        query,
        "the page is not the last (isLastPage: false) but gives no nextPageStart, so the rest of the listing cannot be read",
      );
    }
    if (nextPageStart <= start) {
      throw invalid(path, query, `nextPageStart ${nextPageStart} does not advance past start ${start}`);
    }
    start = nextPageStart;
  }
}

/** Drains a listing into one array (for small listings such as webhooks). */
export async function collect<T>(pages: AsyncIterable<T[]>): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages) all.push(...page);
  return all;
}

function invalid(path: string, query: Record<string, QueryValue>, reason: string): BitbucketError {
  return new BitbucketError({
    kind: "invalid-response",
    method: "GET",
    path: withQuery(path, query),
    status: 200,
    reason,
  });
}
