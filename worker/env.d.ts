declare namespace Cloudflare {
  interface GlobalProps {
    mainModule: typeof import("./index");
    durableNamespaces: "RelayQueue";
  }
  interface Env {
    RELAY_QUEUE: DurableObjectNamespace<import("./relay-queue").RelayQueue>;
  }
}
interface Env extends Cloudflare.Env {}
