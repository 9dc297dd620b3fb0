/**
 * Bitbucket's paged envelope (reference §2): `limit` defaults to 25 and is clamped silently to a per-resource cap;
 * `nextPageStart` only when the page is not the last; no totals. In non-contiguous mode, `start` is an opaque
 * position in a sparse space (item i sits at i × 3), as when adjacent ids are not contiguous: a client that asks
 * for `start + size` instead of `nextPageStart` then gets duplicates and misses.
 */

export interface PageRequest {
  start: number;
  /** As asked; undefined = the default 25. */
  limit: number | undefined;
  /** The resource's `page.max.*`. */
  cap: number;
  nonContiguous: boolean;
}

const DEFAULT_LIMIT = 25;
const STRIDE = 3;

/** @param serialize applied to the page's items only (serialising 20,000 pull requests per page would crawl) */
export function pageOf<T>(
  items: readonly T[],
  request: PageRequest,
  serialize: (item: T) => unknown = (item) => item,
): Record<string, unknown> {
  const asked = request.limit === undefined || request.limit <= 0 ? DEFAULT_LIMIT : request.limit;
  const limit = Math.min(asked, request.cap);
  const index = request.nonContiguous ? Math.ceil(request.start / STRIDE) : request.start;
  const values = items.slice(index, index + limit).map(serialize);
  const isLastPage = index + limit >= items.length;
  return {
    size: values.length,
    limit,
    isLastPage,
    values,
    start: request.start,
    ...(isLastPage ? {} : { nextPageStart: request.nonContiguous ? (index + limit) * STRIDE : index + limit }),
  };
}

/** @returns `start` and `limit` from a query string (Bitbucket ignores values it cannot read) */
export function pageParams(query: URLSearchParams): { start: number; limit: number | undefined } {
  const start = Number.parseInt(query.get("start") ?? "0", 10);
  const limit = query.has("limit") ? Number.parseInt(query.get("limit") ?? "", 10) : undefined;
  return {
    start: Number.isFinite(start) && start > 0 ? start : 0,
    limit: limit !== undefined && Number.isFinite(limit) ? limit : undefined,
  };
}
