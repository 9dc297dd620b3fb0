import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

describe("edge liveness", () => {
  it("answers /healthz inside workerd", async () => {
    const response = await SELF.fetch("https://edge.test/healthz");

    expect(response.status).toBe(200);
    expect(navigator.userAgent).toBe("Cloudflare-Workers");
  });
});
