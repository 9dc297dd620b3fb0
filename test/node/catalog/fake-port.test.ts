import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakePort } from "../../fakes/port/fake-port";
import { manualClock, SEED_BLUEPRINTS } from "./fixtures/catalog-fixtures";

/**
 * The fake itself, spoken to over raw HTTP as Port's reference describes it (port-api.md §9), so that the client's
 * tests stand on a fake that behaves like Port and not merely like the client expects.
 */
let fake: FakePort;
let clock: ReturnType<typeof manualClock>;
let token: string;

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${fake.url}${path}`, {
    method,
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${token}`,
      "user-agent": "port-ocean/test/1/inst/exporter",
      ...headers,
    },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  const parsed: unknown = await response.json();
  return { status: response.status, headers: response.headers, body: parsed };
}

async function authenticate(): Promise<{ status: number; body: unknown }> {
  return call("POST", "/v1/auth/access_token", { clientId: fake.clientId, clientSecret: fake.clientSecret });
}

function accessToken(body: unknown): string {
  return typeof body === "object" && body !== null && "accessToken" in body && typeof body.accessToken === "string"
    ? body.accessToken
    : "";
}

beforeEach(async () => {
  clock = manualClock();
  fake = await FakePort.start({ blueprints: SEED_BLUEPRINTS, tokenTtlSeconds: 600, now: () => clock.now().getTime() });
  token = accessToken((await authenticate()).body);
});

afterEach(async () => {
  await fake.close();
});

describe("fake Port", () => {
  it("issues a token, returns the same one while active, a new one after expiry, and refuses an expired one", async () => {
    const again = await authenticate();
    clock.advance(600_000);
    const expired = await call("GET", "/v1/blueprints/bitbucketProject");
    const renewed = await authenticate();

    expect(again.body).toEqual({ ok: true, accessToken: token, expiresIn: 600, tokenType: "Bearer" });
    expect(expired.status).toBe(401);
    expect(accessToken(renewed.body)).not.toBe(token);
    expect(fake.tokensIssued).toBe(2);
  });

  it("refuses wrong credentials and a token request that does not match the route's schema", async () => {
    const wrong = await call("POST", "/v1/auth/access_token", { clientId: fake.clientId, clientSecret: "nope" });
    const extra = await call("POST", "/v1/auth/access_token", {
      clientId: fake.clientId,
      clientSecret: fake.clientSecret,
      scope: "x",
    });

    expect(wrong.status).toBe(401);
    expect(extra.status).toBe(422);
  });

  it("enforces the bulk route's 1..20 entities and the identifier pattern on the whole request", async () => {
    const entities = (count: number) =>
      Array.from({ length: count }, (_, index) => ({ identifier: `P${index}`, properties: {}, relations: {} }));

    const tooMany = await call("POST", "/v1/blueprints/bitbucketProject/entities/bulk?upsert=true", {
      entities: entities(21),
    });
    const none = await call("POST", "/v1/blueprints/bitbucketProject/entities/bulk?upsert=true", { entities: [] });
    const badIdentifier = await call("POST", "/v1/blueprints/bitbucketProject/entities/bulk?upsert=true", {
      entities: [...entities(2), { identifier: "has space", properties: {}, relations: {} }],
    });

    expect([tooMany.status, none.status, badIdentifier.status]).toEqual([422, 422, 422]);
    expect(fake.store.entities()).toEqual([]);
  });

  it("answers 413 with Port's message to a body over 1 MiB", async () => {
    const response = await call("POST", "/v1/blueprints/bitbucketProject/entities?upsert=true", {
      identifier: "BIG",
      properties: { description: "x".repeat(1024 * 1024) },
    });

    expect(response.status).toBe(413);
    expect(response.body).toMatchObject({ ok: false, message: "Request body is too large (limit is 1MiB)" });
  });

  it("creates with 201, refuses a second create without upsert with 409, validates without writing", async () => {
    const body = { identifier: "P", title: "P", properties: { type: "NORMAL" }, relations: {} };

    const created = await call("POST", "/v1/blueprints/bitbucketProject/entities", body);
    const conflict = await call("POST", "/v1/blueprints/bitbucketProject/entities", body);
    const validated = await call("POST", "/v1/blueprints/bitbucketProject/entities?upsert=true&validation_only=true", {
      ...body,
      identifier: "Q",
    });

    expect([created.status, conflict.status, validated.status]).toEqual([201, 409, 201]);
    expect(fake.entity("bitbucketProject", "P")).toMatchObject({
      datasource: "port-ocean/test/1/inst/exporter",
      createdAt: "2026-01-01T00:00:00.000Z",
    });
    expect(fake.entity("bitbucketProject", "Q")).toBeNull();
  });

  it("bulk deletes all or nothing when an entity has dependents", async () => {
    await call("POST", "/v1/blueprints/bitbucketProject/entities/bulk?upsert=true", {
      entities: [{ identifier: "P" }, { identifier: "Q" }].map((entity) => ({
        ...entity,
        properties: {},
        relations: {},
      })),
    });
    await call("PATCH", "/v1/blueprints/bitbucketRepository", {
      relations: { project: { target: "bitbucketProject", required: true, many: false } },
    });
    await call("POST", "/v1/blueprints/bitbucketRepository/entities?upsert=true", {
      identifier: "P/api",
      properties: {},
      relations: { project: "P" },
    });

    const refused = await call("POST", "/v1/blueprints/bitbucketProject/bulk/entities/delete?delete_dependents=false", {
      entities: ["Q", "P"],
    });
    const cascaded = await call("POST", "/v1/blueprints/bitbucketProject/bulk/entities/delete?delete_dependents=true", {
      entities: ["Q", "P"],
    });

    expect(refused).toMatchObject({ status: 422, body: { ok: false, error: "has_dependents" } });
    expect(cascaded).toMatchObject({ status: 200, body: { ok: true, deletedEntities: ["Q", "P"] } });
    expect(fake.store.entities()).toEqual([]);
  });

  it("searches with nested rules and projects the included fields", async () => {
    await call("POST", "/v1/blueprints/bitbucketUser/entities/bulk?upsert=true", {
      entities: ["ann", "bob", "cid"].map((name) => ({
        identifier: `${name}@x.io`,
        properties: { username: name },
        relations: {},
      })),
    });

    const response = await call("POST", "/v1/entities/search?include=identifier&include=properties.username", {
      combinator: "and",
      rules: [
        { property: "$blueprint", operator: "=", value: "bitbucketUser" },
        {
          combinator: "or",
          rules: [
            { property: "username", operator: "=", value: "ann" },
            { property: "$identifier", operator: "in", value: ["cid@x.io"] },
          ],
        },
        { property: "$datasource", operator: "contains", value: "/inst/exporter" },
      ],
    });

    expect(response.body).toMatchObject({
      ok: true,
      entities: [
        { identifier: "ann@x.io", properties: { username: "ann" } },
        { identifier: "cid@x.io", properties: { username: "cid" } },
      ],
    });
  });

  it("sends rate-limit headers, and 429s with either header form when told to", async () => {
    fake.throttle(1, "reset-epoch", 20);
    fake.throttle(1, "retry-after", 3);

    const first = await call("GET", "/v1/blueprints/bitbucketUser");
    const second = await call("GET", "/v1/blueprints/bitbucketUser");
    const third = await call("GET", "/v1/blueprints/bitbucketUser");

    expect([first.status, second.status, third.status]).toEqual([429, 429, 200]);
    expect(first.headers.get("x-ratelimit-reset")).toBe(String(clock.now().getTime() / 1000 + 20));
    expect(second.headers.get("retry-after")).toBe("3");
    expect(third.headers.get("x-ratelimit-limit")).toBe("35000");
    expect(Number(third.headers.get("x-ratelimit-remaining"))).toBeLessThan(35000);
  });
});
