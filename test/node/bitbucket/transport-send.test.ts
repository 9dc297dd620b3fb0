import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { BitbucketLimits } from "../../../relay/bitbucket/config";
import { BitbucketTransport } from "../../../relay/bitbucket/http-transport";
import { systemClock } from "../../../relay/http/clock";
import { Logger } from "../../../relay/log/logger";

// The transport sends with undici's `request` by default and through `fetch` when one is injected: both must behave
// the same where a caller can tell (redirects, credentials across origins, truncated text, statuses, metrics).

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

const servers: Server[] = [];

async function serve(handler: Handler): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((server) => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    }),
  );
});

function silentLogger(): Logger {
  return new Logger({
    stream: new Writable({ write: (_chunk, _encoding, done) => done() }),
    format: "json",
    level: "error",
  });
}

function transportFor(baseUrl: string, sender: typeof fetch | undefined, watched: (number | null)[] = []) {
  return new BitbucketTransport({
    baseUrl,
    auth: { kind: "bearer", token: "transport-test-token" },
    limits: BitbucketLimits.parse({ maxAttempts: 1 }),
    fetch: sender,
    clock: systemClock,
    random: () => 0.5,
    logger: silentLogger(),
    watch: () => (status) => watched.push(status),
  });
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}

describe.each([
  ["undici's request (the default)", undefined],
  ["an injected fetch", globalThis.fetch],
])("the transport, sending with %s", (_name, sender) => {
  it("follows a redirect within the origin, keeping the credentials, and reports the attempt once", async () => {
    const base = await serve((request, response) => {
      if (request.url === "/rest/old") {
        response.writeHead(302, { location: "/rest/new?x=%C3%A9" });
        response.end();
        return;
      }
      json(response, 200, {
        url: request.url,
        authorized: request.headers.authorization === "Bearer transport-test-token",
      });
    });
    const watched: (number | null)[] = [];
    const answer = await transportFor(base, sender, watched).request({
      method: "GET",
      path: "/rest/old",
      expect: "json",
    });
    expect(answer.body).toEqual({ url: "/rest/new?x=%C3%A9", authorized: true });
    expect(watched).toEqual([200]);
  });

  it("drops the Authorization header when a redirect leaves the origin", async () => {
    const elsewhere = await serve((request, response) =>
      json(response, 200, { sent: request.headers.authorization ?? null }),
    );
    const base = await serve((_request, response) => {
      response.writeHead(307, { location: `${elsewhere}/rest/moved` });
      response.end();
    });
    const answer = await transportFor(base, sender).request({ method: "GET", path: "/rest/x", expect: "json" });
    expect(answer.body).toEqual({ sent: null });
  });

  it("cuts a text body at maxBytes on a character boundary, and reads headers and errors as before", async () => {
    const base = await serve((request, response) => {
      if (request.url === "/rest/text") {
        response.writeHead(200, { "content-type": "text/plain", "x-seen": "yes" });
        response.end("ab\u00e9cd".repeat(10_000));
        return;
      }
      json(response, 409, { errors: [{ message: "in the way", exceptionName: "com.example.Conflict" }] });
    });
    const watched: (number | null)[] = [];
    const transport = transportFor(base, sender, watched);
    const text = await transport.request({ method: "GET", path: "/rest/text", expect: "text", maxBytes: 3 });
    expect(text).toMatchObject({ body: "ab", truncated: true });
    expect(text.headers.get("x-seen")).toBe("yes");
    const whole = await transport.request({ method: "GET", path: "/rest/text", expect: "text" });
    expect(whole).toMatchObject({ body: "ab\u00e9cd".repeat(10_000), truncated: false });
    await expect(
      transport.request({ method: "PUT", path: "/rest/conflict", body: {}, expect: "json" }),
    ).rejects.toMatchObject({
      kind: "conflict",
      details: { status: 409, bitbucketMessages: ["in the way"], exceptionName: "com.example.Conflict" },
    });
    expect(watched).toEqual([200, 200, 409]);
  });

  it("names the socket's error code when the host refuses, and reports the attempt without a status", async () => {
    const base = await serve(() => undefined);
    const server = servers.pop();
    await new Promise((resolve) => server?.close(resolve));
    const watched: (number | null)[] = [];
    await expect(
      transportFor(base, sender, watched).request({ method: "GET", path: "/rest/x", expect: "json" }),
    ).rejects.toMatchObject({
      kind: "network",
      details: { reason: "ECONNREFUSED" },
    });
    expect(watched).toEqual([null]);
  });
});
