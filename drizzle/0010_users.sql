CREATE TABLE `users` (
	`user_id` text PRIMARY KEY NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`email` text NOT NULL,
	`data` text NOT NULL,
	`workspace` text DEFAULT 'default' NOT NULL,
	CONSTRAINT "users_data_is_object" CHECK(json_valid("data") AND json_type("data") = 'object')
);
--> statement-breakpoint
CREATE INDEX `users_created_at_idx` ON `users` (`workspace`,`created_at`,`user_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `users_email_unique` ON `users` (`workspace`,`email`);--> statement-breakpoint
CREATE TABLE `agor_credentials` (
	`user_id` text PRIMARY KEY NOT NULL,
	`hash` text NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`user_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `worktrees_repo_id_name_order_idx` ON `worktrees` (`workspace`,`repo_id`,`name`,`worktree_id`);--> statement-breakpoint
CREATE INDEX `messages_session_id_index_order_idx` ON `messages` (`workspace`,`session_id`,`index`,`message_id`);--> statement-breakpoint
CREATE INDEX `session_mcp_servers_session_id_mcp_server_id_order_idx` ON `session_mcp_servers` (`workspace`,`session_id`,`mcp_server_id`,`link_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `board_objects_worktree_id_unique` ON `board_objects` (`workspace`,`worktree_id`);