// GET /api/v1/registration: how this server takes sign-ups, so the web UI can show the right form.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { RegistrationService } from "../domain/accounts/registration.ts";
import type { AppEnv } from "./env.ts";
import { anonymous, json } from "./schemas.ts";

const RegistrationSchema = z
  .object({
    mode: z
      .enum(["open", "invite", "closed"])
      .describe("open: anyone may register; invite: POST /api/v1/users needs `invite`; closed: no sign-up"),
  })
  .openapi("Registration");

const registrationRoute = createRoute({
  method: "get",
  path: "/api/v1/registration",
  operationId: "getRegistration",
  summary: "The registration mode (--registration)",
  security: anonymous,
  responses: { 200: json(RegistrationSchema, "the mode") },
});

export function registrationRoutes(registration: RegistrationService) {
  return new OpenAPIHono<AppEnv>().openapi(registrationRoute, (c) => c.json({ mode: registration.mode() }, 200));
}
