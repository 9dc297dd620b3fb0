import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import type { Hono } from "hono";
import { ListenError, type ListenErrorKind } from "./listen-error";

export interface ConsoleServer {
  /** `http://127.0.0.1:9464` (the port actually bound: a test listens on port 0). */
  readonly url: string;
  close(): Promise<void>;
}

const LISTEN_PROBLEMS: Record<string, { kind: ListenErrorKind; why: string }> = {
  EADDRINUSE: {
    kind: "in-use",
    why: "the port is in use (another bbrelay?); choose another with --listen or BBRELAY_LISTEN",
  },
  EADDRNOTAVAIL: { kind: "not-local", why: "that address is not one of this machine's" },
  EACCES: { kind: "permission", why: "permission denied (ports below 1024 need privileges)" },
};

/**
 * Serves the console's app on Node's HTTP server through Hono's Node adapter. The adapter is told not to replace
 * the process's global Request and Response (its default, for speed): the agent's own fetch calls keep Node's.
 * @throws ListenError when the address cannot be bound (in use, not an address of this machine)
 */
export async function startConsoleServer(app: Hono, host: string, port: number): Promise<ConsoleServer> {
  const server = createAdaptorServer({ fetch: app.fetch, overrideGlobalObjects: false });
  await new Promise<void>((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => {
      const { kind, why } = LISTEN_PROBLEMS[error.code ?? ""] ?? { kind: "other", why: error.message };
      reject(new ListenError(kind, `cannot listen on ${hostPort(host, port)}: ${why}`));
    };
    server.once("error", failed);
    server.listen(port, host, () => {
      server.off("error", failed);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${hostPort(host === "localhost" ? "127.0.0.1" : host, address.port)}`,
    close: () =>
      new Promise<void>((resolve) => {
        // Keep-alive connections would hold close() open until they time out.
        if ("closeAllConnections" in server) server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
