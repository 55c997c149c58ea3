-- Changes say how to undo them, and seq drops AUTOINCREMENT (see src/schema/changes.ts).
-- The feed's triggers name these tables: dropped first; the store creates this version's on open.
DROP TRIGGER IF EXISTS `agor_feed_sessions_insert`;--> statement-breakpoint
DROP TRIGGER IF EXISTS `agor_feed_sessions_update`;--> statement-breakpoint
DROP TRIGGER IF EXISTS `agor_feed_sessions_delete`;--> statement-breakpoint
DROP TRIGGER IF EXISTS `agor_feed_tasks_insert`;--> statement-breakpoint
DROP TRIGGER IF EXISTS `agor_feed_tasks_update`;--> statement-breakpoint
DROP TRIGGER IF EXISTS `agor_feed_tasks_delete`;--> statement-breakpoint
DROP TRIGGER IF EXISTS `agor_feed_boards_insert`;--> statement-breakpoint
DROP TRIGGER IF EXISTS `agor_feed_boards_update`;--> statement-breakpoint
DROP TRIGGER IF EXISTS `agor_feed_boards_delete`;--> statement-breakpoint
DROP TRIGGER IF EXISTS `agor_feed_repos_insert`;--> statement-breakpoint
DROP TRIGGER IF EXISTS `agor_feed_repos_update`;--> statement-breakpoint
DROP TRIGGER IF EXISTS `agor_feed_repos_delete`;--> statement-breakpoint
CREATE TABLE `__new_agor_changes` (
	`seq` integer PRIMARY KEY NOT NULL,
	`collection` text NOT NULL,
	`doc_id` text NOT NULL,
	`event` text NOT NULL,
	`at` integer NOT NULL,
	`actor` text,
	`transport` text,
	`remote` text,
	`doc` text,
	`patch` text,
	`undo` text,
	`version` integer
);--> statement-breakpoint
-- A change that was its document's latest kept no copy (the row was it): it gets one now, and
-- is where the undo of the changes after it starts from.
INSERT INTO `__new_agor_changes` ("seq", "collection", "doc_id", "event", "at", "actor", "transport", "remote", "doc", "patch", "version")
SELECT c."seq", c."collection", c."doc_id", c."event", c."at", c."actor", c."transport", c."remote", coalesce(c."doc", (SELECT d."doc" FROM `agor_change_docs` AS d WHERE d."seq" = c."seq"), CASE c."collection"
	WHEN 'sessions' THEN (SELECT '{' || '"session_id":' || json_quote(s."session_id") || ',"status":' || json_quote(s."status") || ',"created_at":' || json_quote(s."created_at") || ',"updated_at":' || json_quote(s."updated_at") || ',"parent_session_id":' || json_quote(s."parent_session_id") || ',"forked_from_session_id":' || json_quote(s."forked_from_session_id") || ',"data":' || s."data" || '}' FROM "sessions" AS s WHERE s."session_id" = c."doc_id")
	WHEN 'tasks' THEN (SELECT '{' || '"task_id":' || json_quote(t."task_id") || ',"status":' || json_quote(t."status") || ',"created_at":' || json_quote(t."created_at") || ',"updated_at":' || json_quote(t."updated_at") || ',"session_id":' || json_quote(t."session_id") || ',"data":' || t."data" || '}' FROM "tasks" AS t WHERE t."task_id" = c."doc_id")
	WHEN 'boards' THEN (SELECT '{' || '"board_id":' || json_quote(b."board_id") || ',"created_at":' || json_quote(b."created_at") || ',"updated_at":' || json_quote(b."updated_at") || ',"data":' || b."data" || '}' FROM "boards" AS b WHERE b."board_id" = c."doc_id")
	WHEN 'repos' THEN (SELECT '{' || '"repo_id":' || json_quote(r."repo_id") || ',"created_at":' || json_quote(r."created_at") || ',"updated_at":' || json_quote(r."updated_at") || ',"slug":' || json_quote(r."slug") || ',"data":' || r."data" || '}' FROM "repos" AS r WHERE r."repo_id" = c."doc_id")
	END, '{}'), c."patch", NULL
FROM `agor_changes` AS c;--> statement-breakpoint
-- Every seq handed out stays taken: a feed pruned empty keeps a mark at its last seq, which reads skip.
INSERT INTO `__new_agor_changes` ("seq", "collection", "doc_id", "event", "at", "doc")
SELECT "pruned_through", '', '', 'pruned', 0, '{}' FROM `agor_feed` WHERE "id" = 1 AND "pruned_through" > 0 AND NOT EXISTS (SELECT 1 FROM `agor_changes`);--> statement-breakpoint
DROP TABLE `agor_change_docs`;--> statement-breakpoint
DROP TABLE `agor_changes`;--> statement-breakpoint
ALTER TABLE `__new_agor_changes` RENAME TO `agor_changes`;--> statement-breakpoint
CREATE INDEX `agor_changes_doc_idx` ON `agor_changes` (`collection`,`doc_id`);--> statement-breakpoint
ALTER TABLE `agor_change_context` DROP COLUMN `collection`;--> statement-breakpoint
ALTER TABLE `agor_change_context` DROP COLUMN `event`;--> statement-breakpoint
ALTER TABLE `agor_change_context` DROP COLUMN `origin`;--> statement-breakpoint
ALTER TABLE `agor_change_context` DROP COLUMN `patch`;