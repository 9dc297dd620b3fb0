import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BitbucketClient } from "../../relay/bitbucket/client";
import type { BitbucketClientConfigInput } from "../../relay/bitbucket/config";
import type { Catalog } from "../../relay/catalog/catalog";
import type { IntegrationIdentity } from "../../relay/catalog/integration-identity";
import { LocalCatalog } from "../../relay/catalog/local/local-catalog";
import { type LoadedMapping, loadMapping, type MappingSource } from "../../relay/config/mapping-loader";
import { FileStore } from "../../relay/files/file-store";
import type { Logger } from "../../relay/log/logger";
import { createMappingEngine } from "../../relay/mapping/create-engine";
import type { JqEngine } from "../../relay/mapping/engine";
import { AgentState } from "../../relay/state/agent-state";
import { type ResyncOptions, runResync } from "../../relay/sync/resync";
import type { KindSummary, ResyncSummary } from "../../relay/sync/resync-summary";
import { FAKE_ADMIN, type FakeBitbucketOptions, FakeBitbucketServer } from "../fakes/bitbucket-server/index";
import { silentLogger } from "./silent-logger";

/**
 * Everything a resync needs, wired for tests: a fake Bitbucket Server, the agent's real client, mapper, state and a
 * catalog (the local one by default). Each fixture has its own temporary directory; `close()` removes it.
 */

export const TEST_IDENTITY: IntegrationIdentity = {
  integrationType: "bitbucket-relay",
  version: "0.0.0-test",
  installationId: "test-install",
  feature: "exporter",
};

export const DEFAULT_BLUEPRINTS: unknown = JSON.parse(
  readFileSync(join(import.meta.dirname, "..", "..", "relay", "config", "default-blueprints.json"), "utf8"),
);

export interface ResyncFixtureOptions {
  fake?: FakeBitbucketOptions;
  mapping?: MappingSource;
  /** The mapping file's text (written to the fixture's directory); wins over `mapping`. */
  mappingText?: string;
  /** Blueprints for the local catalog (default: bbrelay's default blueprints). */
  blueprints?: unknown;
  /** Build another catalog (the fake Port's) instead of the local one. */
  catalog?: (dir: string) => Catalog | Promise<Catalog>;
  engine?: JqEngine;
  /** Client limits; tests default to short retry delays so that injected 5xx storms stay fast. */
  clientLimits?: BitbucketClientConfigInput["limits"];
}

export interface ResyncFixture {
  fake: FakeBitbucketServer;
  client: BitbucketClient;
  mapping: LoadedMapping;
  catalog: Catalog;
  state: AgentState;
  /** Repository files by commit and the GitOps ledger. */
  fileStore: FileStore;
  logger: Logger;
  dir: string;
  resync(options?: Partial<ResyncOptions>): Promise<ResyncSummary>;
  close(): Promise<void>;
}

export async function startResyncFixture(options: ResyncFixtureOptions = {}): Promise<ResyncFixture> {
  const dir = mkdtempSync(join(tmpdir(), "bbrelay-resync-"));
  const fake = await FakeBitbucketServer.start(options.fake);
  const logger = silentLogger();
  const client = BitbucketClient.fromConfig(
    {
      baseUrl: fake.url,
      auth: { kind: "basic", username: FAKE_ADMIN.username, password: FAKE_ADMIN.password },
      limits: options.clientLimits ?? { baseRetryDelayMs: 1, maxRetryDelayMs: 5 },
    },
    { logger },
  );
  const engine = options.engine ?? createMappingEngine();
  let source: MappingSource = options.mapping ?? { kind: "default" };
  if (options.mappingText !== undefined) {
    source = { kind: "file", path: join(dir, "mapping.yaml") };
    writeFileSync(source.path, options.mappingText);
  }
  const mapping = await loadMapping({ source, engine });
  const catalog =
    options.catalog !== undefined
      ? await options.catalog(dir)
      : LocalCatalog.open({
          path: join(dir, "catalog.sqlite"),
          identity: TEST_IDENTITY,
          blueprints: options.blueprints ?? DEFAULT_BLUEPRINTS,
        });
  const state = AgentState.open(join(dir, "state.sqlite"));
  const fileStore = FileStore.open(join(dir, "files.sqlite"));
  return {
    fake,
    client,
    mapping,
    catalog,
    state,
    fileStore,
    logger,
    dir,
    resync: (overrides = {}) => runResync({ mapping, client, catalog, state, fileStore, logger, ...overrides }),
    async close() {
      state.close();
      fileStore.close();
      await catalog.close();
      await engine.close();
      await fake.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One kind's entry of a resync summary (a test fails when it is missing). */
export function kind(kinds: readonly KindSummary[], name: KindSummary["kind"]): KindSummary {
  const found = kinds.find((entry) => entry.kind === name);
  if (found === undefined) throw new Error(`no ${name} in the summary`);
  return found;
}
