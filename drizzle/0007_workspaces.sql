CREATE TABLE `agor_api_keys` (
	`name` text PRIMARY KEY NOT NULL,
	`workspace` text NOT NULL,
	`digest` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`workspace`) REFERENCES `agor_workspaces`(`name`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `agor_api_keys_digest_unique` ON `agor_api_keys` (`digest`);--> statement-breakpoint
CREATE TABLE `agor_workspaces` (
	`name` text PRIMARY KEY NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
DROP INDEX `sessions_created_at_idx`;--> statement-breakpoint
DROP INDEX `sessions_status_idx`;--> statement-breakpoint
DROP INDEX `sessions_parent_session_id_idx`;--> statement-breakpoint
DROP INDEX `sessions_forked_from_session_id_idx`;--> statement-breakpoint
DROP INDEX `sessions_agent_idx`;--> statement-breakpoint
ALTER TABLE `sessions` ADD `workspace` text DEFAULT 'default' NOT NULL;--> statement-breakpoint
CREATE INDEX `sessions_created_at_idx` ON `sessions` (`workspace`,`created_at`,`session_id`);--> statement-breakpoint
CREATE INDEX `sessions_status_idx` ON `sessions` (`workspace`,`status`,`created_at`,`session_id`);--> statement-breakpoint
CREATE INDEX `sessions_parent_session_id_idx` ON `sessions` (`parent_session_id`,`workspace`,`created_at`,`session_id`);--> statement-breakpoint
CREATE INDEX `sessions_forked_from_session_id_idx` ON `sessions` (`forked_from_session_id`,`workspace`,`created_at`,`session_id`);--> statement-breakpoint
CREATE INDEX `sessions_agent_idx` ON `sessions` (`workspace`,"data" ->> '$.agent',`created_at`,`session_id`);--> statement-breakpoint
DROP INDEX `tasks_created_at_idx`;--> statement-breakpoint
DROP INDEX `tasks_status_idx`;--> statement-breakpoint
DROP INDEX `tasks_session_id_idx`;--> statement-breakpoint
ALTER TABLE `tasks` ADD `workspace` text DEFAULT 'default' NOT NULL;--> statement-breakpoint
CREATE INDEX `tasks_created_at_idx` ON `tasks` (`workspace`,`created_at`,`task_id`);--> statement-breakpoint
CREATE INDEX `tasks_status_idx` ON `tasks` (`workspace`,`status`,`created_at`,`task_id`);--> statement-breakpoint
CREATE INDEX `tasks_session_id_idx` ON `tasks` (`session_id`,`workspace`,`created_at`,`task_id`);--> statement-breakpoint
DROP INDEX `boards_created_at_idx`;--> statement-breakpoint
ALTER TABLE `boards` ADD `workspace` text DEFAULT 'default' NOT NULL;--> statement-breakpoint
CREATE INDEX `boards_created_at_idx` ON `boards` (`workspace`,`created_at`,`board_id`);--> statement-breakpoint
DROP INDEX `repos_slug_unique`;--> statement-breakpoint
DROP INDEX `repos_created_at_idx`;--> statement-breakpoint
ALTER TABLE `repos` ADD `workspace` text DEFAULT 'default' NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `repos_slug_unique` ON `repos` (`workspace`,`slug`);--> statement-breakpoint
CREATE INDEX `repos_created_at_idx` ON `repos` (`workspace`,`created_at`,`repo_id`);--> statement-breakpoint
ALTER TABLE `agor_changes` ADD `workspace` text DEFAULT 'default' NOT NULL;--> statement-breakpoint
ALTER TABLE `agor_replaced_rows` ADD `workspace` text DEFAULT 'default' NOT NULL;--> statement-breakpoint
INSERT OR IGNORE INTO `agor_workspaces` (`name`, `created_at`) VALUES ('default', CAST(round((julianday('now') - 2440587.5) * 86400000) AS INTEGER));