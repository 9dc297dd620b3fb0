import { writeFileSync } from "node:fs";
import { join } from "node:path";
import DEFAULT_BLUEPRINTS from "../relay/config/default-blueprints.json";
import { DEFAULT_MAPPING_YAML } from "../relay/config/default-mapping";
import type { ActivityStep } from "../test/fakes/bitbucket-server/activity-simulator";
import type { FakeBitbucketServer } from "../test/fakes/bitbucket-server/index";

/**
 * Repository files in `npm start`'s simulation, so the demo shows the agent's three ways of reading them: GitOps
 * (`port.yml` files declaring `service` entities, on by default), a `file` resource (every `package.json` becomes an
 * `npmPackage` entity) and the repository kind as the built-in mapping has it. The simulated people edit those files
 * now and then (a version bumped, a service added to a `port.yml` and removed again): each edit is a push whose
 * `repo:refs_changed` goes through the edge, and the agent reads only the files it changed.
 *
 * The demo's mapping is the built-in one plus the `file` resource, and its blueprints the built-in ones plus the two
 * the files need; both are written into the demo's directory (what BBRELAY_CONFIG and BBRELAY_BLUEPRINTS name), so
 * `bbrelay map --config` and `doctor` can be tried on them.
 */

/** The `file` resource the demo adds to the built-in mapping (Port's Bitbucket Cloud selector, a glob path). */
export const DEMO_FILE_RESOURCE = `  # The demo's addition: every package.json of every repository, one entity each.
  - kind: file
    selector:
      query: "true"
      files:
        path: "**/package.json"
    port:
      entity:
        mappings:
          identifier: .repo.project.key + "/" + .repo.slug + "/" + .metadata.path
          title: .content.name
          blueprint: '"npmPackage"'
          properties:
            version: .content.version
            path: .metadata.path
            commit: .metadata.commit.id
          relations:
            repository: .repo.project.key + "/" + .repo.slug
`;

export const DEMO_MAPPING_YAML = `${DEFAULT_MAPPING_YAML.trimEnd()}\n${DEMO_FILE_RESOURCE}`;

const repositoryRelation = {
  repository: { title: "Repository", target: "bitbucketRepository", required: false, many: false },
};

/** What the demo's `port.yml` files declare. */
export const SERVICE_BLUEPRINT = {
  identifier: "service",
  title: "Service",
  icon: "Microservice",
  schema: {
    properties: {
      language: { type: "string", title: "Language" },
      tier: { type: "number", title: "Tier" },
      lifecycle: { type: "string", title: "Lifecycle" },
    },
    required: [],
  },
  relations: repositoryRelation,
};

/** What the demo's `file` resource writes: one entity per package.json. */
export const NPM_PACKAGE_BLUEPRINT = {
  identifier: "npmPackage",
  title: "npm package",
  icon: "NPM",
  schema: {
    properties: {
      version: { type: "string", title: "Version" },
      path: { type: "string", title: "Path" },
      commit: { type: "string", title: "Commit" },
    },
    required: [],
  },
  relations: repositoryRelation,
};

export const DEMO_BLUEPRINTS: unknown[] = [...DEFAULT_BLUEPRINTS, SERVICE_BLUEPRINT, NPM_PACKAGE_BLUEPRINT];

/** Writes the demo's mapping and blueprints into `dir`. @returns the variables that make the agent use them */
export function writeDemoMapping(dir: string): { BBRELAY_CONFIG: string; BBRELAY_BLUEPRINTS: string } {
  const mapping = join(dir, "mapping.yml");
  const blueprints = join(dir, "blueprints.json");
  writeFileSync(mapping, DEMO_MAPPING_YAML);
  writeFileSync(blueprints, `${JSON.stringify(DEMO_BLUEPRINTS, null, 2)}\n`);
  return { BBRELAY_CONFIG: mapping, BBRELAY_BLUEPRINTS: blueprints };
}

/** A service name per repository with files (the first four): checkout, payments, search, inventory. */
const SERVICES = ["checkout", "payments", "search", "inventory"];

/**
 * The initial files of the simulated repository number `number`: the first four have a `package.json` and a
 * `port.yml` declaring their service; the second is a monorepo with two more `package.json` under `apps/`.
 */
export function demoFilesOf(repository: { number: number }): Record<string, string> | undefined {
  const service = SERVICES[repository.number - 1];
  if (service === undefined) return undefined;
  const files: Record<string, string> = {
    "package.json": packageJson(service, "1.0.0"),
    "port.yml": portYml(service, []),
  };
  if (repository.number === 2) {
    files["apps/web/package.json"] = packageJson(`${service}-web`, "0.4.0");
    files["apps/admin/package.json"] = packageJson(`${service}-admin`, "0.1.0");
  }
  return files;
}

function packageJson(name: string, version: string): string {
  return `${JSON.stringify({ name, version, private: true, scripts: { test: "vitest run" } }, null, 2)}\n`;
}

/** A `port.yml` in Port's format: the repository's service, and the extra ones an edit added. */
function portYml(service: string, extras: readonly string[]): string {
  const entity = (identifier: string, tier: number) =>
    [
      `- identifier: ${identifier}`,
      `  title: ${identifier}`,
      "  blueprint: service",
      "  properties:",
      "    language: typescript",
      `    tier: ${tier}`,
      "    lifecycle: production",
    ].join("\n");
  return `${[entity(service, 1), ...extras.map((extra) => entity(extra, 3))].join("\n")}\n`;
}

/**
 * The simulated edits of those files, in turn: a `package.json` version bumped, a service added to a `port.yml`,
 * an `apps/` package of the monorepo bumped, and the added service removed again (so the demo shows an entity
 * created, updated and deleted by pushes). Only repositories that have the file (not empty, not archived) are edited.
 */
export class DemoFileEdits {
  readonly #fake: FakeBitbucketServer;
  #turn = 0;
  readonly #versions = new Map<string, number>();

  constructor(fake: FakeBitbucketServer) {
    this.#fake = fake;
  }

  /** Makes the next edit (a push to the default branch). @returns the step, or undefined when no repository fits */
  async next(): Promise<ActivityStep | undefined> {
    const candidates = this.#repositories();
    if (candidates.length === 0) return undefined;
    const turn = this.#turn++;
    const kind = turn % 4;
    const target =
      kind === 2
        ? (candidates.find((candidate) => candidate.monorepo) ?? candidates[0])
        : candidates[Math.floor(turn / 4) % candidates.length];
    if (target === undefined) return undefined;
    const { ref, service } = target;
    const name = `${ref.projectKey}/${ref.repositorySlug}`;
    let files: Record<string, string>;
    let action: string;
    if (kind === 0 || kind === 2) {
      const path = kind === 2 && target.monorepo ? "apps/web/package.json" : "package.json";
      const packageName = path === "package.json" ? service : `${service}-web`;
      const minor = (this.#versions.get(`${name}/${path}`) ?? 0) + 1;
      this.#versions.set(`${name}/${path}`, minor);
      const version = path === "package.json" ? `1.${minor}.0` : `0.4.${minor}`;
      files = { [path]: packageJson(packageName, version) };
      action = `bumped ${name}/${path} to ${version}`;
    } else if (kind === 1) {
      files = { "port.yml": portYml(service, [`${service}-worker`]) };
      action = `declared ${service}-worker in ${name}/port.yml`;
    } else {
      files = { "port.yml": portYml(service, []) };
      action = `removed ${service}-worker from ${name}/port.yml`;
    }
    const result = await this.#fake.mutations.pushCommits({ ...ref, files, message: action });
    return { action: `${action} (a push to the default branch)`, deliveries: result.deliveries };
  }

  #repositories() {
    const state = this.#fake.state;
    return [...state.repositories.values()].flatMap((repository) => {
      if (repository.archived || repository.branches.size === 0) return [];
      if (state.fileAt(repository, "port.yml") === undefined) return [];
      const number = Number(/^repo-(\d+)$/.exec(repository.slug)?.[1] ?? Number.NaN);
      const service = SERVICES[number - 1];
      if (service === undefined) return [];
      return [
        {
          ref: { projectKey: state.requireProject(repository.projectId).key, repositorySlug: repository.slug },
          service,
          monorepo: state.fileAt(repository, "apps/web/package.json") !== undefined,
        },
      ];
    });
  }
}
