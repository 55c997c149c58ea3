CREATE TABLE `boards` (
	`board_id` text PRIMARY KEY NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`data` text NOT NULL,
	CONSTRAINT "boards_data_is_object" CHECK(json_valid("data") AND json_type("data") = 'object')
);
--> statement-breakpoint
CREATE INDEX `boards_created_at_idx` ON `boards` (`created_at`);--> statement-breakpoint
CREATE TABLE `repos` (
	`repo_id` text PRIMARY KEY NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`slug` text NOT NULL,
	`data` text NOT NULL,
	CONSTRAINT "repos_data_is_object" CHECK(json_valid("data") AND json_type("data") = 'object')
);
--> statement-breakpoint
CREATE UNIQUE INDEX `repos_slug_unique` ON `repos` (`slug`);--> statement-breakpoint
CREATE INDEX `repos_created_at_idx` ON `repos` (`created_at`);--> statement-breakpoint
CREATE TABLE `sessions` (
	`session_id` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`parent_session_id` text,
	`forked_from_session_id` text,
	`data` text NOT NULL,
	FOREIGN KEY (`parent_session_id`) REFERENCES `sessions`(`session_id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`forked_from_session_id`) REFERENCES `sessions`(`session_id`) ON UPDATE no action ON DELETE set null,
	CONSTRAINT "sessions_data_is_object" CHECK(json_valid("data") AND json_type("data") = 'object'),
	CONSTRAINT "sessions_status_valid" CHECK("status" IN ('idle', 'running', 'completed', 'failed'))
);
--> statement-breakpoint
CREATE INDEX `sessions_created_at_idx` ON `sessions` (`created_at`);--> statement-breakpoint
CREATE INDEX `sessions_status_idx` ON `sessions` (`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `sessions_parent_session_id_idx` ON `sessions` (`parent_session_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `sessions_forked_from_session_id_idx` ON `sessions` (`forked_from_session_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `sessions_agent_idx` ON `sessions` ("data" ->> '$.agent',`created_at`);--> statement-breakpoint
CREATE TABLE `tasks` (
	`task_id` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`session_id` text NOT NULL,
	`data` text NOT NULL,
	FOREIGN KEY (`session_id`) REFERENCES `sessions`(`session_id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "tasks_data_is_object" CHECK(json_valid("data") AND json_type("data") = 'object'),
	CONSTRAINT "tasks_status_valid" CHECK("status" IN ('created', 'running', 'completed', 'failed'))
);
--> statement-breakpoint
CREATE INDEX `tasks_created_at_idx` ON `tasks` (`created_at`);--> statement-breakpoint
CREATE INDEX `tasks_status_idx` ON `tasks` (`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `tasks_session_id_idx` ON `tasks` (`session_id`,`created_at`);