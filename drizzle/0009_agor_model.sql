CREATE TABLE `worktrees` (
	`worktree_id` text PRIMARY KEY NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`repo_id` text NOT NULL,
	`board_id` text,
	`name` text NOT NULL,
	`data` text NOT NULL,
	`workspace` text DEFAULT 'default' NOT NULL,
	FOREIGN KEY (`repo_id`) REFERENCES `repos`(`repo_id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`board_id`) REFERENCES `boards`(`board_id`) ON UPDATE no action ON DELETE set null,
	CONSTRAINT "worktrees_data_is_object" CHECK(json_valid("data") AND json_type("data") = 'object')
);
--> statement-breakpoint
CREATE INDEX `worktrees_created_at_idx` ON `worktrees` (`workspace`,`created_at`,`worktree_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `worktrees_repo_id_name_unique` ON `worktrees` (`workspace`,`repo_id`,`name`);--> statement-breakpoint
CREATE INDEX `worktrees_repo_id_idx` ON `worktrees` (`repo_id`,`workspace`,`created_at`,`worktree_id`);--> statement-breakpoint
CREATE INDEX `worktrees_board_id_idx` ON `worktrees` (`board_id`,`workspace`,`created_at`,`worktree_id`);--> statement-breakpoint
CREATE INDEX `worktrees_name_idx` ON `worktrees` (`workspace`,`name`);--> statement-breakpoint
CREATE INDEX `worktrees_archived_idx` ON `worktrees` (`workspace`,"data" ->> '$.archived',`created_at`,`worktree_id`);--> statement-breakpoint
CREATE TABLE `messages` (
	`message_id` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`session_id` text NOT NULL,
	`task_id` text,
	`index` integer,
	`data` text NOT NULL,
	`workspace` text DEFAULT 'default' NOT NULL,
	FOREIGN KEY (`session_id`) REFERENCES `sessions`(`session_id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`task_id`) REFERENCES `tasks`(`task_id`) ON UPDATE no action ON DELETE set null,
	CONSTRAINT "messages_data_is_object" CHECK(json_valid("data") AND json_type("data") = 'object'),
	CONSTRAINT "messages_status_valid" CHECK("status" IN ('sent', 'queued'))
);
--> statement-breakpoint
CREATE INDEX `messages_created_at_idx` ON `messages` (`workspace`,`created_at`,`message_id`);--> statement-breakpoint
CREATE INDEX `messages_status_idx` ON `messages` (`workspace`,`status`,`created_at`,`message_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `messages_session_id_index_unique` ON `messages` (`workspace`,`session_id`,`index`);--> statement-breakpoint
CREATE INDEX `messages_session_id_idx` ON `messages` (`session_id`,`workspace`,`created_at`,`message_id`);--> statement-breakpoint
CREATE INDEX `messages_task_id_idx` ON `messages` (`task_id`,`workspace`,`created_at`,`message_id`);--> statement-breakpoint
CREATE TABLE `mcp_servers` (
	`mcp_server_id` text PRIMARY KEY NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`repo_id` text,
	`session_id` text,
	`data` text NOT NULL,
	`workspace` text DEFAULT 'default' NOT NULL,
	FOREIGN KEY (`repo_id`) REFERENCES `repos`(`repo_id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`session_id`) REFERENCES `sessions`(`session_id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "mcp_servers_data_is_object" CHECK(json_valid("data") AND json_type("data") = 'object')
);
--> statement-breakpoint
CREATE INDEX `mcp_servers_created_at_idx` ON `mcp_servers` (`workspace`,`created_at`,`mcp_server_id`);--> statement-breakpoint
CREATE INDEX `mcp_servers_repo_id_idx` ON `mcp_servers` (`repo_id`,`workspace`,`created_at`,`mcp_server_id`);--> statement-breakpoint
CREATE INDEX `mcp_servers_session_id_idx` ON `mcp_servers` (`session_id`,`workspace`,`created_at`,`mcp_server_id`);--> statement-breakpoint
CREATE INDEX `mcp_servers_name_idx` ON `mcp_servers` (`workspace`,"data" ->> '$.name',`created_at`,`mcp_server_id`);--> statement-breakpoint
CREATE INDEX `mcp_servers_scope_idx` ON `mcp_servers` (`workspace`,"data" ->> '$.scope',`created_at`,`mcp_server_id`);--> statement-breakpoint
CREATE TABLE `session_mcp_servers` (
	`link_id` text PRIMARY KEY NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`session_id` text NOT NULL,
	`mcp_server_id` text NOT NULL,
	`data` text NOT NULL,
	`workspace` text DEFAULT 'default' NOT NULL,
	FOREIGN KEY (`session_id`) REFERENCES `sessions`(`session_id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`mcp_server_id`) REFERENCES `mcp_servers`(`mcp_server_id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "session_mcp_servers_data_is_object" CHECK(json_valid("data") AND json_type("data") = 'object')
);
--> statement-breakpoint
CREATE INDEX `session_mcp_servers_created_at_idx` ON `session_mcp_servers` (`workspace`,`created_at`,`link_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `session_mcp_servers_session_id_mcp_server_id_unique` ON `session_mcp_servers` (`workspace`,`session_id`,`mcp_server_id`);--> statement-breakpoint
CREATE INDEX `session_mcp_servers_session_id_idx` ON `session_mcp_servers` (`session_id`,`workspace`,`created_at`,`link_id`);--> statement-breakpoint
CREATE INDEX `session_mcp_servers_mcp_server_id_idx` ON `session_mcp_servers` (`mcp_server_id`,`workspace`,`created_at`,`link_id`);--> statement-breakpoint
CREATE TABLE `board_objects` (
	`object_id` text PRIMARY KEY NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`board_id` text NOT NULL,
	`worktree_id` text NOT NULL,
	`data` text NOT NULL,
	`workspace` text DEFAULT 'default' NOT NULL,
	FOREIGN KEY (`board_id`) REFERENCES `boards`(`board_id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`worktree_id`) REFERENCES `worktrees`(`worktree_id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "board_objects_data_is_object" CHECK(json_valid("data") AND json_type("data") = 'object')
);
--> statement-breakpoint
CREATE INDEX `board_objects_created_at_idx` ON `board_objects` (`workspace`,`created_at`,`object_id`);--> statement-breakpoint
CREATE INDEX `board_objects_board_id_idx` ON `board_objects` (`board_id`,`workspace`,`created_at`,`object_id`);--> statement-breakpoint
CREATE INDEX `board_objects_worktree_id_idx` ON `board_objects` (`worktree_id`,`workspace`,`created_at`,`object_id`);--> statement-breakpoint
CREATE TABLE `board_comments` (
	`comment_id` text PRIMARY KEY NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`board_id` text NOT NULL,
	`session_id` text,
	`task_id` text,
	`message_id` text,
	`worktree_id` text,
	`parent_comment_id` text,
	`data` text NOT NULL,
	`workspace` text DEFAULT 'default' NOT NULL,
	FOREIGN KEY (`board_id`) REFERENCES `boards`(`board_id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`session_id`) REFERENCES `sessions`(`session_id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`task_id`) REFERENCES `tasks`(`task_id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`message_id`) REFERENCES `messages`(`message_id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`worktree_id`) REFERENCES `worktrees`(`worktree_id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`parent_comment_id`) REFERENCES `board_comments`(`comment_id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "board_comments_data_is_object" CHECK(json_valid("data") AND json_type("data") = 'object')
);
--> statement-breakpoint
CREATE INDEX `board_comments_created_at_idx` ON `board_comments` (`workspace`,`created_at`,`comment_id`);--> statement-breakpoint
CREATE INDEX `board_comments_board_id_idx` ON `board_comments` (`board_id`,`workspace`,`created_at`,`comment_id`);--> statement-breakpoint
CREATE INDEX `board_comments_session_id_idx` ON `board_comments` (`session_id`,`workspace`,`created_at`,`comment_id`);--> statement-breakpoint
CREATE INDEX `board_comments_task_id_idx` ON `board_comments` (`task_id`,`workspace`,`created_at`,`comment_id`);--> statement-breakpoint
CREATE INDEX `board_comments_message_id_idx` ON `board_comments` (`message_id`,`workspace`,`created_at`,`comment_id`);--> statement-breakpoint
CREATE INDEX `board_comments_worktree_id_idx` ON `board_comments` (`worktree_id`,`workspace`,`created_at`,`comment_id`);--> statement-breakpoint
CREATE INDEX `board_comments_parent_comment_id_idx` ON `board_comments` (`parent_comment_id`,`workspace`,`created_at`,`comment_id`);--> statement-breakpoint
CREATE INDEX `board_comments_resolved_idx` ON `board_comments` (`workspace`,"data" ->> '$.resolved',`created_at`,`comment_id`);--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_sessions` (
	`session_id` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`parent_session_id` text,
	`forked_from_session_id` text,
	`worktree_id` text,
	`board_id` text,
	`data` text NOT NULL,
	`workspace` text DEFAULT 'default' NOT NULL,
	FOREIGN KEY (`parent_session_id`) REFERENCES `sessions`(`session_id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`forked_from_session_id`) REFERENCES `sessions`(`session_id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`worktree_id`) REFERENCES `worktrees`(`worktree_id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`board_id`) REFERENCES `boards`(`board_id`) ON UPDATE no action ON DELETE set null,
	CONSTRAINT "sessions_data_is_object" CHECK(json_valid("data") AND json_type("data") = 'object'),
	CONSTRAINT "sessions_status_valid" CHECK("status" IN ('idle', 'running', 'awaiting_permission', 'completed', 'failed'))
);
--> statement-breakpoint
INSERT INTO `__new_sessions`("session_id", "status", "created_at", "updated_at", "parent_session_id", "forked_from_session_id", "worktree_id", "board_id", "data", "workspace") SELECT "session_id", "status", "created_at", "updated_at", "parent_session_id", "forked_from_session_id", NULL, NULL, "data", "workspace" FROM `sessions`;--> statement-breakpoint
DROP TABLE `sessions`;--> statement-breakpoint
ALTER TABLE `__new_sessions` RENAME TO `sessions`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `sessions_created_at_idx` ON `sessions` (`workspace`,`created_at`,`session_id`);--> statement-breakpoint
CREATE INDEX `sessions_status_idx` ON `sessions` (`workspace`,`status`,`created_at`,`session_id`);--> statement-breakpoint
CREATE INDEX `sessions_parent_session_id_idx` ON `sessions` (`parent_session_id`,`workspace`,`created_at`,`session_id`);--> statement-breakpoint
CREATE INDEX `sessions_forked_from_session_id_idx` ON `sessions` (`forked_from_session_id`,`workspace`,`created_at`,`session_id`);--> statement-breakpoint
CREATE INDEX `sessions_worktree_id_idx` ON `sessions` (`worktree_id`,`workspace`,`created_at`,`session_id`);--> statement-breakpoint
CREATE INDEX `sessions_board_id_idx` ON `sessions` (`board_id`,`workspace`,`created_at`,`session_id`);--> statement-breakpoint
CREATE INDEX `sessions_agent_idx` ON `sessions` (`workspace`,"data" ->> '$.agent',`created_at`,`session_id`);--> statement-breakpoint
CREATE INDEX `sessions_archived_idx` ON `sessions` (`workspace`,"data" ->> '$.archived',`created_at`,`session_id`);--> statement-breakpoint
CREATE TABLE `__new_tasks` (
	`task_id` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`session_id` text NOT NULL,
	`data` text NOT NULL,
	`workspace` text DEFAULT 'default' NOT NULL,
	FOREIGN KEY (`session_id`) REFERENCES `sessions`(`session_id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "tasks_data_is_object" CHECK(json_valid("data") AND json_type("data") = 'object'),
	CONSTRAINT "tasks_status_valid" CHECK("status" IN ('created', 'running', 'stopping', 'awaiting_permission', 'completed', 'failed', 'stopped'))
);
--> statement-breakpoint
INSERT INTO `__new_tasks`("task_id", "status", "created_at", "updated_at", "session_id", "data", "workspace") SELECT "task_id", "status", "created_at", "updated_at", "session_id", "data", "workspace" FROM `tasks`;--> statement-breakpoint
DROP TABLE `tasks`;--> statement-breakpoint
ALTER TABLE `__new_tasks` RENAME TO `tasks`;--> statement-breakpoint
CREATE INDEX `tasks_created_at_idx` ON `tasks` (`workspace`,`created_at`,`task_id`);--> statement-breakpoint
CREATE INDEX `tasks_status_idx` ON `tasks` (`workspace`,`status`,`created_at`,`task_id`);--> statement-breakpoint
CREATE INDEX `tasks_session_id_idx` ON `tasks` (`session_id`,`workspace`,`created_at`,`task_id`);--> statement-breakpoint
ALTER TABLE `boards` ADD `slug` text;--> statement-breakpoint
CREATE UNIQUE INDEX `boards_slug_unique` ON `boards` (`workspace`,`slug`);