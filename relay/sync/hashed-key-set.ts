/**
 * A set of strings that keeps only a 53-bit hash of each, in one typed array: 16 bytes a key at most, where a `Set`
 * of the strings costs about 80 (the string and the set's entry). The relation gate keeps one key per repository,
 * project and user a resync handles until its later kinds finish: 72,000 at bench:resync's scale 10, which grew the
 * heap after GC from 26 to 33 MB over the run.
 *
 * Exact enough: two different keys share a hash with a probability of 2^-53, so with 72,000 keys held a key not in
 * the set is taken for one in it once in 10^11 lookups. For the gate that would mean writing one pull request
 * before its repository: Port creates the repository empty (its own write then counts as an update), or, without
 * `createMissingRelatedEntities`, refuses the pull request until the next resync.
 *
 * Open addressing with linear probing, grown to keep at most half the slots used; 0 marks an empty slot.
 */
export class HashedKeySet {
  #slots = new Float64Array(1024);
  #size = 0;

  get size(): number {
    return this.#size;
  }

  add(key: string): void {
    const hash = hashOf(key);
    const index = this.#find(hash);
    if (this.#slots[index] === hash) return;
    this.#slots[index] = hash;
    this.#size++;
    if (this.#size * 2 > this.#slots.length) this.#grow();
  }

  has(key: string): boolean {
    const hash = hashOf(key);
    return this.#slots[this.#find(hash)] === hash;
  }

  clear(): void {
    this.#slots = new Float64Array(1024);
    this.#size = 0;
  }

  /** The slot holding `hash`, or the empty slot where it would go. */
  #find(hash: number): number {
    const mask = this.#slots.length - 1;
    let index = (hash >>> 0) & mask;
    for (;;) {
      const slot = this.#slots[index];
      if (slot === 0 || slot === hash) return index;
      index = (index + 1) & mask;
    }
  }

  #grow(): void {
    const old = this.#slots;
    this.#slots = new Float64Array(old.length * 2);
    for (const hash of old) if (hash !== 0) this.#slots[this.#find(hash)] = hash;
  }
}

/**
 * cyrb53 (public domain, bryc): a fast 53-bit string hash with good dispersion, from two 32-bit multiplicative
 * hashes mixed together; never 0 here, which marks an empty slot.
 */
function hashOf(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  const hash = 4294967296 * (2097151 & h2) + (h1 >>> 0);
  return hash === 0 ? 1 : hash;
}
