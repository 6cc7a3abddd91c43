// A TCP proxy in front of a test server that breaks connections on purpose: after a number of
// bytes in one direction, the next `times` connections that get that far are destroyed, as a
// network failure would (the client sees a reset mid-request or mid-response).
import { connect, createServer, type Server, type Socket } from "node:net";

export interface CuttingProxy {
  readonly url: string;
  /** Break the next `times` connections once `afterBytes` went through them in `direction`. */
  cut(direction: "upload" | "download", afterBytes: number, times?: number): void;
  /** How many connections were cut so far. */
  readonly cuts: number;
  close(): Promise<void>;
}

export async function startCuttingProxy(targetUrl: string): Promise<CuttingProxy> {
  const target = new URL(targetUrl);
  let rule: { direction: "upload" | "download"; afterBytes: number; times: number } | undefined;
  let cuts = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    const counted = { upload: 0, download: 0 };
    const breakBoth = () => {
      client.destroy();
      upstream.destroy();
    };
    const relay = (from: Socket, to: Socket, direction: "upload" | "download") => {
      from.on("data", (chunk: Buffer) => {
        const active = rule && rule.direction === direction && rule.times > 0 ? rule : undefined;
        if (active && counted[direction] + chunk.length > active.afterBytes) {
          to.write(chunk.subarray(0, Math.max(0, active.afterBytes - counted[direction])));
          active.times -= 1;
          cuts += 1;
          // resetAndDestroy: an RST, not a clean FIN, so neither side mistakes it for the end of a body.
          setTimeout(() => {
            for (const s of [client, upstream]) typeof s.resetAndDestroy === "function" ? s.resetAndDestroy() : s.destroy();
          }, 20);
          counted[direction] = Number.POSITIVE_INFINITY;
          return;
        }
        counted[direction] += chunk.length;
        if (Number.isFinite(counted[direction])) to.write(chunk);
      });
    };
    relay(client, upstream, "upload");
    relay(upstream, client, "download");
    for (const s of [client, upstream]) {
      s.on("error", breakBoth);
      s.on("close", () => {
        sockets.delete(s);
        breakBoth();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the proxy has no port");
  return {
    url: `http://127.0.0.1:${address.port}`,
    cut(direction, afterBytes, times = 1) {
      rule = { direction, afterBytes, times };
    },
    get cuts() {
      return cuts;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
