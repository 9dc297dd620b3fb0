import { join } from "node:path";
import type { Catalog, StoredEntity } from "../../../../relay/catalog/catalog";
import { LocalCatalog } from "../../../../relay/catalog/local/local-catalog";
import { PortCatalog } from "../../../../relay/catalog/port/port-catalog";
import { GitOpsSync } from "../../../../relay/gitops/gitops-sync";
import { entityWriterFor } from "../../../../relay/sync/entity-writer";
import type { ResyncSummary } from "../../../../relay/sync/resync-summary";
import type { FakeBitbucketOptions } from "../../../fakes/bitbucket-server/index";
import { FakePort } from "../../../fakes/port/fake-port";
import { type ResyncFixture, startResyncFixture, TEST_IDENTITY } from "../../../support/resync-fixture";
import { silentLogger } from "../../../support/silent-logger";
import { BLUEPRINTS } from "../../files/support/blueprints";

/**
 * A resync fixture with GitOps on, for either catalog: the local one (a second connection to the same file, as the
 * `gitops` feature) or the fake Port (a second client with the `gitops` User-Agent).
 */

export type CatalogKind = "local" | "port";

export interface GitOpsFixture {
  started: ResyncFixture;
  gitops: GitOpsSync;
  gitopsCatalog: Catalog;
  port: FakePort | null;
  resync(): Promise<ResyncSummary>;
  /** An entity as the catalog holds it, with the datasource it was written with (Port's own copy for the fake). */
  entity(blueprint: string, identifier: string): Promise<StoredEntity | null>;
  close(): Promise<void>;
}

export const GITOPS_IDENTITY = { ...TEST_IDENTITY, feature: "gitops" as const };

export async function startGitOpsFixture(
  kind: CatalogKind,
  options: { files?: readonly string[]; mappingText?: string; fake?: FakeBitbucketOptions } = {},
): Promise<GitOpsFixture> {
  const port = kind === "port" ? await FakePort.start({ blueprints: BLUEPRINTS }) : null;
  const portCatalog = (identity: typeof TEST_IDENTITY | typeof GITOPS_IDENTITY) =>
    new PortCatalog({
      baseUrl: port?.url ?? "",
      clientId: port?.clientId ?? "",
      clientSecret: port?.clientSecret ?? "",
      identity,
      log: silentLogger(),
      sleep: async () => {},
    });
  const started = await startResyncFixture({
    blueprints: BLUEPRINTS,
    ...(options.fake === undefined ? {} : { fake: options.fake }),
    ...(options.mappingText === undefined ? {} : { mappingText: options.mappingText }),
    ...(port === null ? {} : { catalog: () => portCatalog(TEST_IDENTITY) }),
  });
  const gitopsCatalog =
    port === null
      ? LocalCatalog.open({ path: join(started.dir, "catalog.sqlite"), identity: GITOPS_IDENTITY })
      : portCatalog(GITOPS_IDENTITY);
  const gitops = new GitOpsSync({
    fileNames: options.files ?? ["port.yml"],
    store: started.fileStore,
    writer: entityWriterFor(started.mapping, gitopsCatalog, started.state),
    deleteDependents: true,
    logger: started.logger,
  });
  return {
    started,
    gitops,
    gitopsCatalog,
    port,
    resync: () => started.resync({ gitops }),
    entity: async (blueprint, identifier) =>
      port === null ? started.catalog.get(blueprint, identifier) : port.entity(blueprint, identifier),
    async close() {
      await gitopsCatalog.close();
      await started.close();
      await port?.close();
    },
  };
}
