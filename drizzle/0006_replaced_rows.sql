CREATE TABLE `agor_replaced_rows` (
	`collection` text NOT NULL,
	`doc_id` text NOT NULL,
	`doc` text NOT NULL,
	PRIMARY KEY(`collection`, `doc_id`)
);
