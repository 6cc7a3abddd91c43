ALTER TABLE `image_media` ADD `analysis_status` text DEFAULT 'pending' NOT NULL;--> statement-breakpoint
ALTER TABLE `image_media` ADD `analysis_reason` text;--> statement-breakpoint
ALTER TABLE `image_media` ADD `analysis_enc` blob;--> statement-breakpoint
ALTER TABLE `image_media` ADD `analysis_lease_owner` text;--> statement-breakpoint
ALTER TABLE `image_media` ADD `analysis_lease_until` integer;--> statement-breakpoint
ALTER TABLE `image_media` ADD `analysis_attempts` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `image_media_analysis` ON `image_media` (`analysis_status`,`status`,`queued_at`);--> statement-breakpoint
-- Images whose previews failed before analysis existed have nothing to analyse (as finish() records for new ones).
UPDATE `image_media` SET `analysis_status` = 'failed', `analysis_reason` = 'no_previews' WHERE `status` = 'failed';