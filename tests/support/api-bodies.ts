// The JSON bodies of the API as the tests read them (README, "… with curl"): types name the fields, assertions check them.
// Each body also admits unknown extra fields (typed `unknown`) so tests can assert what must NOT be there.

/** Any parsed JSON value, for bodies a test only compares or prints. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** RFC 9457 problem+json, with the extras some codes carry. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  // Carried by validation_failed, weak_password and archive not_found only; tests assert the code before reading them.
  errors: { field: string; message: string }[];
  feedback: { warning: string; suggestions: string[]; score: number };
  missing: string[];
  // A multipart upload that failed whole still says what each file met.
  created: ImageBody[];
  failed: (Failure & { errors: { field: string; message: string }[] })[];
  [extra: string]: unknown;
}

export interface UserBody {
  id: string;
  username: string;
  name: string;
  email: string;
  createdAt: string;
  updatedAt: string;
  [extra: string]: unknown;
}

/** GET /api/v1/me: the user with usage. */
export interface MeBody extends UserBody {
  usage: { images: number; bytes: number; quotaBytes: number | null };
}

export interface SessionBody {
  token: string;
  tokenType: "Bearer";
  expiresAt: string;
  user: UserBody;
  [extra: string]: unknown;
}

/** POST /api/v1/sessions with `cookie: true`: the session is in the cookie, the CSRF token here. */
export interface CookieSessionBody {
  tokenType: "Cookie";
  expiresAt: string;
  user: UserBody;
  csrfToken: string;
  [extra: string]: unknown;
}

/** GET /api/v1/sessions/current. */
export interface CurrentSessionBody {
  user: UserBody;
  via: "bearer" | "cookie";
  csrfToken: string | null;
}

export interface ApiTokenBody {
  id: string;
  name: string;
  token?: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt?: string | null;
  [extra: string]: unknown;
}

export interface ImageBody {
  id: string;
  filename: string;
  visibility: "private" | "public";
  owner: { id: string; username: string };
  contentType: string;
  size: number;
  width: number | null;
  height: number | null;
  sha256: string;
  tags: string[];
  description: string | null;
  previews: { status: "pending" | "ready" | "failed"; reason?: string };
  analysis: { status: "pending" | "ready" | "failed"; colors: string[]; labels: { name: string; score: number }[] };
  takenAt: string | null;
  camera: { make: string | null; model: string | null; lens: string | null } | null;
  /** The owner's eyes only: null for everyone else. */
  location: { latitude: number; longitude: number; altitude?: number } | null;
  createdAt: string;
  updatedAt: string;
  [extra: string]: unknown;
}

/** One file an upload or a bulk call could not take. */
export interface Failure {
  id?: string;
  filename?: string;
  status: number;
  code: string;
  detail?: string;
}

export interface UploadBody {
  created: ImageBody[];
  failed: Failure[];
  [extra: string]: unknown;
}

export interface ImagePage {
  items: ImageBody[];
  nextCursor: string | null;
  [extra: string]: unknown;
}

export interface BulkDeleteBody {
  deleted: string[];
  failed: Failure[];
  [extra: string]: unknown;
}

export interface ShareBody {
  id: string;
  url: string;
  token: string;
  expiresAt: string;
  [extra: string]: unknown;
}

/** A link as GET /api/v1/images/:id/shares lists it (no secrets). */
export interface ListedShare {
  id: string;
  expiresAt: string;
  createdAt: string;
  downloads: number;
  maxDownloads: number | null;
  hasPassword: boolean;
  [extra: string]: unknown;
}

/** The parts of /api/v1/openapi.json the tests read. */
export interface OpenApiDoc {
  openapi: string;
  paths: {
    [path: string]: {
      [method: string]: { responses: { [status: string]: unknown }; requestBody?: { content: { [type: string]: unknown } } };
    };
  };
  components: { securitySchemes: { [name: string]: unknown } };
}
