ALTER TABLE `master_keys` ADD `keys_indexes` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Databases written before rotation existed computed their indexes with their first key version.
UPDATE `master_keys` SET `keys_indexes` = 1 WHERE `id` = (SELECT min(`id`) FROM `master_keys`);
