DROP INDEX `image_tags_tag`;--> statement-breakpoint
DROP INDEX `image_terms_term`;