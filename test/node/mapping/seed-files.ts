import { readFileSync } from "node:fs";
import type { Json } from "../../../relay/mapping/engine";

/**
 * The seed's sample files, read where they live (`../shared/seed` from the project root) rather than copied
 * into the repository.
 */
export const SEED_DIR = new URL("../../../../shared/seed/", import.meta.url);

export function seedPath(name: string): string {
  return new URL(name, SEED_DIR).pathname;
}

export function seedText(name: string): string {
  return readFileSync(new URL(name, SEED_DIR), "utf8");
}

export function seedPayload(kind: "project" | "repository" | "pull-request" | "user"): Json {
  return JSON.parse(seedText(`payload-${kind}.json`));
}
