DROP INDEX `boards_created_at_idx`;--> statement-breakpoint
CREATE INDEX `boards_created_at_idx` ON `boards` (`created_at`,`board_id`);--> statement-breakpoint
DROP INDEX `repos_created_at_idx`;--> statement-breakpoint
CREATE INDEX `repos_created_at_idx` ON `repos` (`created_at`,`repo_id`);--> statement-breakpoint
DROP INDEX `sessions_created_at_idx`;--> statement-breakpoint
DROP INDEX `sessions_status_idx`;--> statement-breakpoint
DROP INDEX `sessions_parent_session_id_idx`;--> statement-breakpoint
DROP INDEX `sessions_forked_from_session_id_idx`;--> statement-breakpoint
DROP INDEX `sessions_agent_idx`;--> statement-breakpoint
CREATE INDEX `sessions_created_at_idx` ON `sessions` (`created_at`,`session_id`);--> statement-breakpoint
CREATE INDEX `sessions_status_idx` ON `sessions` (`status`,`created_at`,`session_id`);--> statement-breakpoint
CREATE INDEX `sessions_parent_session_id_idx` ON `sessions` (`parent_session_id`,`created_at`,`session_id`);--> statement-breakpoint
CREATE INDEX `sessions_forked_from_session_id_idx` ON `sessions` (`forked_from_session_id`,`created_at`,`session_id`);--> statement-breakpoint
CREATE INDEX `sessions_agent_idx` ON `sessions` ("data" ->> '$.agent',`created_at`,`session_id`);--> statement-breakpoint
DROP INDEX `tasks_created_at_idx`;--> statement-breakpoint
DROP INDEX `tasks_status_idx`;--> statement-breakpoint
DROP INDEX `tasks_session_id_idx`;--> statement-breakpoint
CREATE INDEX `tasks_created_at_idx` ON `tasks` (`created_at`,`task_id`);--> statement-breakpoint
CREATE INDEX `tasks_status_idx` ON `tasks` (`status`,`created_at`,`task_id`);--> statement-breakpoint
CREATE INDEX `tasks_session_id_idx` ON `tasks` (`session_id`,`created_at`,`task_id`);