import { resolve } from "node:path";

/**
 * Where the seed's sample files are (`test/fixtures/seed`, see its README), or `BBRELAY_SEED_DIR` when set. Tests,
 * benchmarks and `npm start` all run from the repository root (benchmarks are bundled elsewhere, so the path is not
 * taken from this module's own location).
 * @returns an absolute directory path
 */
export function seedDir(): string {
  return process.env.BBRELAY_SEED_DIR ?? resolve(process.cwd(), "test", "fixtures", "seed");
}
