import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import type { Json } from "../../../relay/mapping/engine";
import { seedDir } from "../../support/seed-dir";

/** The seed's sample files (see test/fixtures/seed/README.md). */
export const SEED_DIR = pathToFileURL(`${seedDir()}/`);

export function seedPath(name: string): string {
  return new URL(name, SEED_DIR).pathname;
}

export function seedText(name: string): string {
  return readFileSync(new URL(name, SEED_DIR), "utf8");
}

export function seedPayload(kind: "project" | "repository" | "pull-request" | "user"): Json {
  return JSON.parse(seedText(`payload-${kind}.json`));
}
