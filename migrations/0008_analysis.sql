ALTER TABLE `image_media` ADD `analysis_status` text DEFAULT 'pending' NOT NULL;--> statement-breakpoint
ALTER TABLE `image_media` ADD `analysis_reason` text;--> statement-breakpoint
ALTER TABLE `image_media` ADD `analysis_enc` blob;--> statement-breakpoint
CREATE INDEX `image_media_analysis` ON `image_media` (`analysis_status`);--> statement-breakpoint
-- Images whose previews failed before analysis existed have nothing to analyse (as finish() records for new ones).
UPDATE `image_media` SET `analysis_status` = 'failed', `analysis_reason` = 'no_previews' WHERE `status` = 'failed';