// The public view of a user: what any response may contain (never hashes, salts or keys).
import type { User } from "./ports.ts";

export interface PublicUser {
  id: string;
  username: string;
  name: string;
  email: string;
  createdAt: string;
  updatedAt: string;
}

export function publicUser(row: Pick<User, "id" | "username" | "name" | "email" | "createdAt" | "updatedAt">): PublicUser {
  return {
    id: row.id,
    username: row.username,
    name: row.name,
    email: row.email,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
