import { createHash, hash } from "node:crypto";
import { resourceLeaves } from "../../shared/mapping-config/leaves";
import { pageSourceKey } from "../bitbucket/page-source";
import type { Json } from "../mapping/engine";
import type { ResourceMapper } from "../mapping/resource-mapper";

declare const BBRELAY_VERSION: string;

/**
 * Digests of listed items, so that a resync can skip mapping and hashing an item that is exactly what it was at the
 * last successful resync (resync-kind.ts takes the shortcut; the agent state keeps digest → entities).
 *
 * Why this is sound: a resource's mapping is a pure function of the item it receives (after enrichment) when its jq
 * reads nothing but its input, so the same item under the same mapping gives the same entities, and the same content
 * hashes. The digest covers both: the item's JSON and a fingerprint of everything that shapes the output (the whole
 * resource entry, each program's engine, the writer's mode, which is part of the content hash, and the agent's
 * version, which carries the mapper's semantics). What the catalog holds is not a function of the item, so those
 * checks are kept: each entity must still have its recorded hash in the state (a live event, a failed write or a
 * delete changes or clears it) and, during a resync, the catalog must have held it at the snapshot.
 *
 * The item's JSON is taken in Bitbucket's key order, not canonically: a reordering only costs a miss.
 */

/** Bumped when what a digest stands for changes (the shortcut's own rules). */
const DIGEST_FORMAT = 2;

/**
 * jq that may read something besides its input, or give a different output for the same input: the clock, the
 * environment, other inputs, arguments, randomness, modules, the local time zone. Matched as whole words anywhere in
 * the program text (strings included): a false match only costs the shortcut, never correctness.
 */
const IMPURE =
  /(?<![A-Za-z0-9_])\$?(now|env|ENV|input|inputs|input_filename|input_line_number|__prog_args|__named|random|import|include|get_search_list|localtime|strflocaltime|mktime|halt|halt_error)(?![A-Za-z0-9_])/;

/** Whether every jq text of the mapping is a pure function of its input (conservatively: false when unsure). */
export function isPureMapping(sources: readonly string[]): boolean {
  return sources.every((source) => !IMPURE.test(source));
}

/**
 * What the mapper's output depends on besides the item, or null when the mapping must never take the shortcut
 * (some of its jq is not a pure function of the item).
 * @param mode the entity writer's mode (part of every content hash)
 */
export function mappingFingerprint(mapper: ResourceMapper, mode: string): string | null {
  const sources = resourceLeaves(mapper.resource).map((leaf) => leaf.source);
  if (!isPureMapping(sources)) return null;
  const version = typeof BBRELAY_VERSION === "string" ? BBRELAY_VERSION : "0.0.0-dev";
  const engines = mapper.fields.map((field) => field.engine);
  return createHash("sha256")
    .update(JSON.stringify([DIGEST_FORMAT, version, mode, mapper.index, mapper.strategy, engines, mapper.resource]))
    .digest("hex");
}

/** The digest of one item under a mapping's fingerprint. */
export function itemDigest(fingerprint: string, item: Json): string {
  // One-shot: no Hash object per item.
  return hash("sha256", `${fingerprint}\u0000${JSON.stringify(item)}`, "base64");
}

/** Characters of a page's first digest that prefix every digest of the page (72 bits: pages never collide). */
const PAGE_PREFIX_LENGTH = 12;

/**
 * The digests of one listed page, each prefixed with the page's first item's digest. The agent state keys digests
 * in order, so a page's digests sit side by side: recording or checking a page touches one or two B-tree pages
 * instead of one per item. Bare digests are random, and at scale their inserts rewrote a database page per item
 * (bench:resync's first run at scale 1: 6 s of system time, +50 µs per pull request), and would only grow worse with
 * the instance. The price: a page whose first item changed (a new pull request listed first) takes the full path
 * for all its items once, as a changed item does; that is a page of one repository, and still exact.
 */
export function pageDigests(fingerprint: string, page: readonly Json[]): string[] {
  const digests = page.map((item) => itemDigest(fingerprint, item));
  const prefix = digests[0]?.slice(0, PAGE_PREFIX_LENGTH) ?? "";
  return digests.map((digest) => prefix + digest);
}

/** Where a listed page's digests are kept between runs (the agent state). */
export interface PageDigestMemo {
  recall(page: string): string[] | undefined;
  remember(page: string, fingerprint: string, digests: readonly string[]): void;
}

/**
 * {@link pageDigests} of a listed page, without serializing its items again when the listing saw the same page
 * before: a page's source (page-source.ts: its body text and kept positions) stands for its items, so the same
 * source under the same fingerprint has the same digests. Serializing an unchanged pull request for its digest cost
 * more than parsing it (bench:resync's third run); hashing the page's text once costs a fifth of that. A page
 * without a known source (enriched, filtered, from a fake transport) is digested item by item, as is a page seen
 * for the first time, whose digests are then remembered.
 */
export function listedPageDigests(fingerprint: string, page: readonly Json[], memo: PageDigestMemo): string[] {
  const source = pageSourceKey(page);
  if (source === undefined) return pageDigests(fingerprint, page);
  const key = hash("sha256", `${fingerprint}\u0000${source}`, "base64");
  const known = memo.recall(key);
  if (known !== undefined && known.length === page.length) return known;
  const digests = pageDigests(fingerprint, page);
  memo.remember(key, fingerprint, digests);
  return digests;
}
