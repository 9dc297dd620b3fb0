import { createServer, type IncomingHttpHeaders, type Server } from "node:http";

export interface ReceivedDelivery {
  path: string;
  headers: IncomingHttpHeaders;
  /** The exact bytes received. */
  body: Buffer;
}

/** A real HTTP endpoint on 127.0.0.1 that records every POST and answers `status` (changeable). */
export class WebhookReceiver {
  readonly received: ReceivedDelivery[] = [];
  status = 200;
  readonly #server: Server;
  #url = "";

  private constructor() {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        this.received.push({ path: req.url ?? "/", headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(this.status, { "Content-Type": "application/json" });
        res.end('{"ok":true}');
      });
    });
  }

  static async start(): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    await new Promise<void>((resolve) => receiver.#server.listen(0, "127.0.0.1", resolve));
    const address = receiver.#server.address();
    if (address === null || typeof address === "string") throw new Error("no address");
    receiver.#url = `http://127.0.0.1:${address.port}`;
    return receiver;
  }

  url(path = "/webhooks/default"): string {
    return `${this.#url}${path}`;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
