CREATE TABLE `agor_change_context` (
	`id` integer PRIMARY KEY NOT NULL,
	`collection` text,
	`event` text,
	`actor` text,
	`transport` text,
	`remote` text,
	`origin` text,
	`patch` text
);
--> statement-breakpoint
CREATE TABLE `agor_change_docs` (
	`seq` integer PRIMARY KEY NOT NULL,
	`doc` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `agor_changes` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`collection` text NOT NULL,
	`doc_id` text NOT NULL,
	`event` text NOT NULL,
	`at` integer NOT NULL,
	`actor` text,
	`transport` text,
	`remote` text,
	`origin` text,
	`doc` text,
	`patch` text
);
--> statement-breakpoint
CREATE INDEX `agor_changes_doc_idx` ON `agor_changes` (`collection`,`doc_id`);--> statement-breakpoint
CREATE TABLE `agor_feed` (
	`id` integer PRIMARY KEY NOT NULL,
	`pruned_through` integer NOT NULL,
	`triggers` text
);
--> statement-breakpoint
INSERT INTO `agor_feed` (`id`, `pruned_through`) VALUES (1, 0);
