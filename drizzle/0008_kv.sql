CREATE TABLE `kv` (
	`key` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`expires_at` text,
	`data` text NOT NULL,
	`workspace` text DEFAULT 'default' NOT NULL,
	PRIMARY KEY(`workspace`, `key`),
	CONSTRAINT "kv_data_is_object" CHECK(json_valid("data") AND json_type("data") = 'object')
);
--> statement-breakpoint
CREATE INDEX `kv_created_at_idx` ON `kv` (`workspace`,`created_at`,`key`);--> statement-breakpoint
CREATE INDEX `kv_expires_at_idx` ON `kv` (`workspace`,`expires_at`);