/**
 * Items of a listed page that lack the fields the relay reads. A listing with such items is incomplete: what was
 * dropped may be a live entity, so no caller may take the listing for the whole set (a reconcile would delete it).
 *
 * By default a listing fails on the first such page (see paginate.ts). A caller that can write the rest and still
 * keep its promise (a resync, which then deletes nothing for the kind and reports it partial) passes `onDropped`:
 * the page's good items are kept and each page with dropped items is reported to it.
 */
export interface DroppedItems {
  /** The request of the page: `GET /rest/api/1.0/projects/P001/repos?start=2&limit=1000`. */
  request: string;
  /** The page's number in its listing, from 1. */
  page: number;
  /** How many items of the page were dropped. */
  count: number;
  /** What was wrong with the first of them: `slug: Required`. */
  problem: string;
}

export interface ListingWatch {
  /** Keep the page's good items and report the dropped ones here, instead of failing the listing. */
  onDropped?: (dropped: DroppedItems) => void;
}
