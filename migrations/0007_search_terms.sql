CREATE TABLE `image_terms` (
	`image_id` text NOT NULL,
	`kind` text NOT NULL,
	`term` blob NOT NULL,
	PRIMARY KEY(`image_id`, `term`),
	FOREIGN KEY (`image_id`) REFERENCES `images`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `image_terms_term` ON `image_terms` (`term`,`image_id`);--> statement-breakpoint
CREATE TABLE `term_backfill` (
	`version` integer PRIMARY KEY NOT NULL,
	`after_id` text NOT NULL,
	`done_at` integer
);
