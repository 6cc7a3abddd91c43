CREATE TABLE `invites` (
	`id` text PRIMARY KEY NOT NULL,
	`code_hash` blob NOT NULL,
	`max_uses` integer NOT NULL,
	`uses` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`revoked_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `invites_code_hash_unique` ON `invites` (`code_hash`);--> statement-breakpoint
-- The old rows held typed text (usernames, often passwords typed into the username field) in
-- clear: they are dropped, not copied. Throttling windows start afresh after the upgrade.
DROP TABLE `rate_limits`;--> statement-breakpoint
CREATE TABLE `rate_limits` (
	`key` blob PRIMARY KEY NOT NULL,
	`subject` blob,
	`window_start` integer NOT NULL,
	`count` integer NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `rate_limits_subject` ON `rate_limits` (`subject`);--> statement-breakpoint
CREATE INDEX `rate_limits_expires` ON `rate_limits` (`expires_at`);
