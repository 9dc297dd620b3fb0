import { hash } from "node:crypto";

/**
 * What a listed page was made from: the body text Bitbucket sent and which of its `values` the listing kept (those
 * that passed the item schema and the listing's filter), so that a consumer can recognise a page it saw before
 * without serializing its items again (item-digest.ts: an unchanged pull request's digest cost more than parsing it).
 *
 * Why this identifies the items: they are `JSON.parse(text).values[i]` for the kept `i`, as parsed (the wire schemas
 * return the objects themselves, see schema.ts), so the same text and the same kept positions give the same items.
 * The source is attached to the very array the listing yields, with its items: a consumer that builds another array
 * (a filter, an enrichment) has no source, and one whose array no longer holds the same objects at the same places
 * (sorted, spliced) is told none either. Items are not copied nor frozen: nothing in the relay writes into a listed
 * object (enrichment and masking build new ones), which is what makes the source still describe them.
 */

interface Source {
  key: string;
  items: readonly unknown[];
}

/**
 * The source is a property of the page's array itself (a symbol, which copies, spreads and JSON leave behind), not
 * an entry of a WeakMap: with a WeakMap, every listed page was an ephemeron for the collector, and bench:resync's
 * third run at scale 0.3 spent 250 ms in scavenges instead of 150 and made 21 full collections instead of 11, more
 * than the serializing the source saves.
 */
const SOURCE = Symbol("page source");

type Sourced = readonly unknown[] & { [SOURCE]?: Source };

/**
 * Attaches the page's source to the array of its kept items.
 * @param text the body text the page was parsed from
 * @param kept the positions in `values` of `items`, in order, or "all" when every value was kept
 */
export function recordPageSource(items: readonly unknown[], text: string, kept: readonly number[] | "all"): void {
  const positions = kept === "all" ? "*" : kept.join(",");
  const source: Source = { key: `${hash("sha256", text, "base64")}:${positions}`, items: [...items] };
  Object.defineProperty(items, SOURCE, { value: source, configurable: true });
}

/** A key standing for the page's items (same key, same items), or undefined when the page's source is unknown. */
export function pageSourceKey(page: readonly unknown[]): string | undefined {
  const source = (page as Sourced)[SOURCE];
  if (source === undefined || source.items.length !== page.length) return undefined;
  for (let at = 0; at < page.length; at++) if (source.items[at] !== page[at]) return undefined;
  return source.key;
}
