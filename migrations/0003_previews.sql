CREATE TABLE `image_media` (
	`image_id` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`reason` text,
	`queued_at` integer NOT NULL,
	`lease_owner` text,
	`lease_until` integer,
	`attempts` integer DEFAULT 0 NOT NULL,
	`result_enc` blob,
	FOREIGN KEY (`image_id`) REFERENCES `images`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `image_media_pending` ON `image_media` (`status`,`queued_at`);--> statement-breakpoint
ALTER TABLE `images` ADD `photo_enc` blob;--> statement-breakpoint
-- Images stored before previews existed get theirs made in the background, oldest first.
INSERT INTO `image_media` (`image_id`, `status`, `queued_at`, `attempts`) SELECT `id`, 'pending', `created_at`, 0 FROM `images`;
