import { type ChildProcess, fork } from "node:child_process";
import { z } from "zod";
import { FakeBitbucketServer } from "../../fakes/bitbucket-server/index";

/**
 * The fake Bitbucket in a child process of its own, driven over IPC. A benchmark that measures the agent's memory
 * must not count the fake's: 100,000 generated pull requests weigh far more than the agent that streams them, and
 * sharing one event loop (and one of two cores) would also slow both down in ways a real deployment never sees.
 *
 * The child is the benchmark's own bundle started again with `BBRELAY_BENCH_ROLE=fake-bitbucket`: the bench's entry
 * checks {@link isFakeBitbucketRole} first and then calls {@link serveFakeBitbucket} instead of its main.
 */

export const ROLE_ENV = "BBRELAY_BENCH_ROLE";
const ROLE = "fake-bitbucket";

const InstanceSpecMessage = z.strictObject({
  seed: z.number().int(),
  projects: z.number().int().min(0),
  repositories: z.number().int().min(0),
  pullRequests: z.number().int().min(0),
  users: z.number().int().min(0),
});
export type InstanceSpecMessage = z.infer<typeof InstanceSpecMessage>;

const ParentMessage = z.discriminatedUnion("op", [
  z.strictObject({ id: z.number().int(), op: z.literal("generate"), spec: InstanceSpecMessage }),
  z.strictObject({ id: z.number().int(), op: z.literal("latency"), ms: z.number().min(0) }),
  z.strictObject({ id: z.number().int(), op: z.literal("requests") }),
  z.strictObject({ id: z.number().int(), op: z.literal("clear") }),
  z.strictObject({ id: z.number().int(), op: z.literal("stop") }),
]);
type ParentMessage = z.infer<typeof ParentMessage>;
/** A message as the parent writes it, before it is numbered. */
type Request = ParentMessage extends infer M ? (M extends unknown ? Omit<M, "id"> : never) : never;

const Generated = z.strictObject({
  projects: z.number(),
  repositories: z.number(),
  pullRequests: z.number(),
  users: z.number(),
  ms: z.number(),
});
export type Generated = z.infer<typeof Generated>;

const RequestFigures = z.strictObject({
  count: z.number(),
  maxInFlight: z.number(),
  /** Requests per route template (`/rest/api/latest/projects/{key}/repos/{slug}/pull-requests`). */
  byRoute: z.record(z.string(), z.number()),
  rssMb: z.number(),
});
export type RequestFigures = z.infer<typeof RequestFigures>;

const ChildMessage = z.union([
  z.strictObject({ type: z.literal("ready"), url: z.string() }),
  z.strictObject({ type: z.literal("reply"), id: z.number().int(), ok: z.literal(true), result: z.unknown() }),
  z.strictObject({ type: z.literal("reply"), id: z.number().int(), ok: z.literal(false), error: z.string() }),
]);

export interface FakeBitbucketProcess {
  readonly url: string;
  generate(spec: InstanceSpecMessage): Promise<Generated>;
  setLatency(ms: number): Promise<void>;
  requests(): Promise<RequestFigures>;
  clearRequests(): Promise<void>;
  stop(): Promise<void>;
}

export function isFakeBitbucketRole(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[ROLE_ENV] === ROLE;
}

/**
 * Starts the child and waits until its fake listens.
 * @param entry the benchmark's bundled entry (`process.argv[1]`)
 */
export async function startFakeBitbucketProcess(
  entry: string,
  options: { latencyMs: number },
): Promise<FakeBitbucketProcess> {
  const child = fork(entry, [], {
    env: { ...process.env, [ROLE_ENV]: ROLE },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let exited: Error | null = null;
  const url = await new Promise<string>((resolve, reject) => {
    child.on("message", (raw) => {
      const message = ChildMessage.safeParse(raw);
      if (!message.success) {
        reject(new Error(`the fake Bitbucket process sent an unexpected message: ${message.error.message}`));
        return;
      }
      const data = message.data;
      if (data.type === "ready") {
        resolve(data.url);
        return;
      }
      const waiter = pending.get(data.id);
      pending.delete(data.id);
      if (data.ok) waiter?.resolve(data.result);
      else waiter?.reject(new Error(`fake Bitbucket process: ${data.error}`));
    });
    child.once("exit", (code, signal) => {
      exited = new Error(`the fake Bitbucket process exited (code ${String(code)}, signal ${String(signal)})`);
      reject(exited);
      for (const waiter of pending.values()) waiter.reject(exited);
      pending.clear();
    });
  });
  const call = (message: Request): Promise<unknown> => {
    if (exited !== null) return Promise.reject(exited);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      child.send({ ...message, id });
    });
  };
  await call({ op: "latency", ms: options.latencyMs });
  return {
    url,
    generate: async (spec) => Generated.parse(await call({ op: "generate", spec })),
    setLatency: async (ms) => void (await call({ op: "latency", ms })),
    requests: async () => RequestFigures.parse(await call({ op: "requests" })),
    clearRequests: async () => void (await call({ op: "clear" })),
    stop: () => stopChild(child, () => call({ op: "stop" })),
  };
}

async function stopChild(child: ChildProcess, askToStop: () => Promise<unknown>): Promise<void> {
  if (child.exitCode !== null) return;
  const exit = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await askToStop().catch(() => child.kill());
  await exit;
}

/** The child's side: runs the fake until the parent says stop (or goes away). */
export async function serveFakeBitbucket(): Promise<void> {
  const send = process.send?.bind(process);
  if (send === undefined)
    throw new Error("serveFakeBitbucket() runs in a child started by startFakeBitbucketProcess()");
  const fake = await FakeBitbucketServer.start();
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= fake.stop().finally(() => {
      if (process.connected) process.disconnect();
    });
    return stopping;
  };
  const report = (error: unknown) => console.error("fake Bitbucket process: stopping failed", error);
  // The parent gone (finished or crashed): nothing will ever ask again.
  process.on("disconnect", () => void stop().catch(report));
  process.on("message", (raw) => {
    const parsed = ParentMessage.safeParse(raw);
    if (!parsed.success) return;
    const message = parsed.data;
    void handle(fake, message).then(
      (result) => {
        send({ type: "reply", id: message.id, ok: true, result: result ?? null });
        // Replied first: the parent then waits for the exit that follows.
        if (message.op === "stop") void stop().catch(report);
      },
      (error: unknown) =>
        send({
          type: "reply",
          id: message.id,
          ok: false,
          error: error instanceof Error ? error.message : String(error),
        }),
    );
  });
  send({ type: "ready", url: fake.url });
}

async function handle(fake: FakeBitbucketServer, message: ParentMessage): Promise<unknown> {
  switch (message.op) {
    case "generate": {
      const started = performance.now();
      const instance = fake.generate(message.spec);
      return {
        projects: instance.projects.length,
        repositories: instance.repositories.length,
        pullRequests: message.spec.pullRequests,
        // The fake's administrator is a user too: the listing returns it.
        users: fake.state.users.size,
        ms: performance.now() - started,
      } satisfies Generated;
    }
    case "latency":
      fake.settings.latencyMs = message.ms;
      return null;
    case "requests":
      return {
        count: fake.requests.count,
        maxInFlight: fake.requests.maxInFlight,
        byRoute: byRoute(fake.requests.byPath()),
        rssMb: process.memoryUsage().rss / 2 ** 20,
      } satisfies RequestFigures;
    case "clear":
      fake.requests.clear();
      return null;
    case "stop":
      return null;
  }
}

/** Paths folded into route templates, so that 5,000 repositories' listings count as one line. */
function byRoute(byPath: Map<string, number>): Record<string, number> {
  const routes: Record<string, number> = {};
  for (const [path, count] of byPath) {
    const route = path
      .replace(/\/rest\/api\/(1\.0|latest)/, "")
      .replace(/\/projects\/[^/]+/, "/projects/{key}")
      .replace(/\/repos\/[^/]+/, "/repos/{slug}")
      .replace(/\/pull-requests\/\d+/, "/pull-requests/{id}");
    routes[route] = (routes[route] ?? 0) + count;
  }
  return routes;
}
