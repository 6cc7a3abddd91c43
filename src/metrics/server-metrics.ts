// What pixvault exposes on /metrics: requests by route and status, latency, bytes in and out,
// images and bytes stored, preview jobs and analysis by state, integrity errors and failed logins.
import type { DomainEvents } from "../domain/context.ts";
import type { MediaStatus } from "../domain/previews/ports.ts";
import { Counter, Gauge, Histogram, renderMetrics } from "./prometheus.ts";

export interface RequestSample {
  readonly method: string;
  /** The route pattern (`/api/v1/images/:id`), never the raw path: ids would explode the label set. */
  readonly route: string;
  readonly status: number;
  readonly seconds: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
}

export interface ServerMetrics {
  readonly events: DomainEvents;
  recordRequest(sample: RequestSample): void;
  render(): Promise<string>;
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** What the gauges read at scrape time, from the database. */
export interface StoredCounts {
  stored(): Promise<{ images: number; bytes: number }>;
  /** Images by the state of their previews (a backlog that only grows, or failures piling up, want a look). */
  previews(): Promise<Record<MediaStatus, number>>;
  /** Images by the state of their analysis (SPEC §9). */
  analysis(): Promise<Record<MediaStatus, number>>;
}

export function createServerMetrics(counts: StoredCounts): ServerMetrics {
  const requests = new Counter("pixvault_http_requests_total", "HTTP requests by method, route pattern and status.");
  const latency = new Histogram(
    "pixvault_http_request_duration_seconds",
    "Time to the response headers, by route pattern.",
    LATENCY_BUCKETS,
  );
  const bytesIn = new Counter("pixvault_http_request_bytes_total", "Request body bytes declared by clients (Content-Length).");
  const bytesOut = new Counter("pixvault_http_response_bytes_total", "Response body bytes.");
  const integrity = new Counter("pixvault_integrity_errors_total", "Stored blobs or sealed fields that failed authentication.");
  const logins = new Counter("pixvault_login_failures_total", "Failed logins (wrong username or password).");
  const totals = oneQueryPerScrape(counts.stored);
  const images = new Gauge("pixvault_images_stored", "Images stored.", totals("images"));
  const bytes = new Gauge("pixvault_image_bytes_stored", "Bytes of image plaintext stored.", totals("bytes"));
  const jobs = oneQueryPerScrape(counts.previews);
  const previews = [
    new Gauge("pixvault_previews_pending", "Images whose previews are still to be made.", jobs("pending")),
    new Gauge("pixvault_previews_ready", "Images whose previews are made.", jobs("ready")),
    new Gauge("pixvault_previews_failed", "Images that got no previews (undecodable, too many pixels, timed out).", jobs("failed")),
  ];
  const analysed = oneQueryPerScrape(counts.analysis);
  const analysis = [
    new Gauge(
      "pixvault_analysis_pending",
      "Images still to be analysed (after their previews, or by pixvault analyse).",
      analysed("pending"),
    ),
    new Gauge("pixvault_analysis_ready", "Images analysed (colours, labels, perceptual hash).", analysed("ready")),
    new Gauge("pixvault_analysis_failed", "Images whose analysis failed (no previews, the model failed).", analysed("failed")),
  ];
  return {
    events: { integrityError: () => integrity.inc(), loginFailed: () => logins.inc() },
    recordRequest(s) {
      requests.inc({ method: s.method, route: s.route, status: String(s.status) });
      latency.observe({ route: s.route }, s.seconds);
      bytesIn.inc({}, s.bytesIn);
      bytesOut.inc({}, s.bytesOut);
    },
    render: () => renderMetrics([requests, latency, bytesIn, bytesOut, images, bytes, ...previews, ...analysis, integrity, logins]),
  };
}

/** Gauges reading fields of one query: the scrape that renders them runs it once. */
function oneQueryPerScrape<T extends object>(query: () => Promise<T>) {
  let pending: Promise<T> | undefined;
  return (pick: keyof T) => async () => {
    pending ??= query().finally(() => setTimeout(() => (pending = undefined), 0));
    return Number((await pending)[pick]);
  };
}
