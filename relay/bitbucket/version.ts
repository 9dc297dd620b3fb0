/**
 * Bitbucket versions compared as numbers, part by part. Ocean parsed "major.minor" as a float, so 8.10 became
 * 8.1 and DC 8.10–8.19 were treated as older than 8.7 (reference ocean §3.1). Never do that.
 */

/**
 * @param version a version such as `8.10.2`, `9.4.0-rc1` or `10.2`
 * @returns its numeric parts (`[8, 10, 2]`); a suffix after the numbers is ignored; null when it has no leading number
 */
export function parseVersion(version: string): number[] | null {
  const match = /^\s*v?(\d+(?:\.\d+)*)/.exec(version);
  if (!match?.[1]) return null;
  return match[1].split(".").map(Number);
}

/**
 * @returns a negative number when `a` is older than `b`, 0 when equal, positive when newer; missing parts count
 *   as 0 (`8.8` equals `8.8.0`)
 * @throws Error when either side is not a version
 */
export function compareVersions(a: string, b: string): number {
  const left = parseVersion(a);
  const right = parseVersion(b);
  if (left === null || right === null) throw new Error(`not a version: "${left === null ? a : b}"`);
  const length = Math.max(left.length, right.length);
  for (let i = 0; i < length; i++) {
    const difference = (left[i] ?? 0) - (right[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** @returns whether `version` is `minimum` or newer */
export function isVersionAtLeast(version: string, minimum: string): boolean {
  return compareVersions(version, minimum) >= 0;
}

/** Project-level webhooks exist from Bitbucket 8.8 (reference §5.5). */
export const PROJECT_WEBHOOKS_SINCE = "8.8";
