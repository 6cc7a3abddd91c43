// Security headers on every response; the web UI relaxes the CSP for its own pages only.
import { secureHeaders } from "hono/secure-headers";

/** API responses are data, never documents: nothing may load or frame them. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * Image bytes opened in a tab become a document the browser draws itself: Chromium's image
 * viewer styles it with inline CSS and shows the image as its own resource, so under the API
 * policy it logs CSP errors and leaves the image unstyled in a corner. Still no script, no
 * plugin, no frame, no connection anywhere.
 */
export const IMAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export function securityHeaders(tls: boolean) {
  return secureHeaders({
    contentSecurityPolicy: undefined,
    strictTransportSecurity: tls ? "max-age=31536000" : false,
    xFrameOptions: "DENY",
    referrerPolicy: "no-referrer",
    crossOriginResourcePolicy: "same-origin",
    crossOriginOpenerPolicy: "same-origin",
    xXssProtection: "0",
    removePoweredBy: true,
  });
}
