BEGIN TRANSACTION;
CREATE TABLE app_sessions (
	token_hash VARCHAR(64) NOT NULL, 
	user_id INTEGER NOT NULL, 
	expires_at DATETIME NOT NULL, 
	PRIMARY KEY (token_hash), 
	FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE TABLE audit_log (
	id INTEGER NOT NULL, 
	at DATETIME NOT NULL, 
	actor VARCHAR(200) NOT NULL, 
	action VARCHAR(60) NOT NULL, 
	target TEXT NOT NULL, 
	"before" JSON, 
	"after" JSON, 
	undone BOOLEAN NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "audit_log" VALUES(1,'2026-11-28 13:04:51.460816','cli','codebook.load','Small test codebook','null','{"added": 4, "updated": 0}',0);
INSERT INTO "audit_log" VALUES(2,'2026-11-28 13:04:51.478631','cli','import','P1','null','{"file": "<memory>", "segments": 4}',0);
INSERT INTO "audit_log" VALUES(3,'2026-11-28 13:04:51.503844','cli','coding.apply','P1#1 Challenges/Model search','null','{"rater_id": 1, "transcript_id": 1, "segment_id": 2, "code_id": 1, "memo": "hard to find"}',0);
INSERT INTO "audit_log" VALUES(4,'2026-11-28 13:04:51.519170','cli','coding.apply','P1#3 Attributes/Portability/License','null','{"rater_id": 1, "transcript_id": 1, "segment_id": 4, "code_id": 4, "memo": null}',0);
INSERT INTO "audit_log" VALUES(5,'2026-11-28 13:04:51.552946','cli','coding.apply','P1#1 Challenges/Model search','null','{"rater_id": 2, "transcript_id": 1, "segment_id": 2, "code_id": 1, "memo": null}',0);
INSERT INTO "audit_log" VALUES(6,'2026-11-28 13:04:51.570524','cli','coding.apply','P1#whole Challenges/Missing attributes','null','{"rater_id": 1, "transcript_id": 1, "segment_id": null, "code_id": 2, "memo": "first"}',0);
CREATE TABLE codes (
	id INTEGER NOT NULL, 
	theme_id INTEGER NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	definition TEXT NOT NULL, 
	when_to_use TEXT NOT NULL, 
	when_not_to_use TEXT NOT NULL, 
	example TEXT NOT NULL, 
	keywords JSON NOT NULL, 
	colour VARCHAR(16), 
	retired BOOLEAN NOT NULL, 
	position INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(theme_id) REFERENCES themes (id)
);
INSERT INTO "codes" VALUES(1,1,'Model search','Finding a suitable model is hard.','','','','["search", "find"]',NULL,0,0);
INSERT INTO "codes" VALUES(2,1,'Missing attributes','The model card lacks information.','','','','["model card", "missing"]',NULL,0,1);
INSERT INTO "codes" VALUES(3,3,'Popularity','Downloads, likes, stars.','','','','["downloads", "likes"]',NULL,0,0);
INSERT INTO "codes" VALUES(4,4,'License','The licence terms of the model.','','','','["license", "licence"]',NULL,0,0);
CREATE TABLE codings (
	id INTEGER NOT NULL, 
	rater_id INTEGER NOT NULL, 
	transcript_id INTEGER NOT NULL, 
	segment_id INTEGER, 
	code_id INTEGER NOT NULL, 
	memo TEXT, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (rater_id, transcript_id, segment_id, code_id), 
	FOREIGN KEY(rater_id) REFERENCES users (id), 
	FOREIGN KEY(transcript_id) REFERENCES transcripts (id) ON DELETE CASCADE, 
	FOREIGN KEY(segment_id) REFERENCES segments (id) ON DELETE CASCADE, 
	FOREIGN KEY(code_id) REFERENCES codes (id)
);
INSERT INTO "codings" VALUES(1,1,1,2,1,'hard to find','2026-11-28 13:04:51.504575');
INSERT INTO "codings" VALUES(2,1,1,4,4,NULL,'2026-11-28 13:04:51.519391');
INSERT INTO "codings" VALUES(3,2,1,2,1,NULL,'2026-11-28 13:04:51.553239');
INSERT INTO "codings" VALUES(4,1,1,NULL,2,'first','2026-11-28 13:04:51.570771');
INSERT INTO "codings" VALUES(5,1,1,NULL,2,'second','2026-11-28 13:04:51.572515');
CREATE TABLE memos (
	id INTEGER NOT NULL, 
	rater_id INTEGER NOT NULL, 
	transcript_id INTEGER NOT NULL, 
	segment_id INTEGER, 
	text TEXT NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (rater_id, transcript_id, segment_id), 
	FOREIGN KEY(rater_id) REFERENCES users (id), 
	FOREIGN KEY(transcript_id) REFERENCES transcripts (id) ON DELETE CASCADE, 
	FOREIGN KEY(segment_id) REFERENCES segments (id) ON DELETE CASCADE
);
CREATE TABLE participants (
	id INTEGER NOT NULL, 
	label VARCHAR(200) NOT NULL, 
	attributes JSON NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (label)
);
INSERT INTO "participants" VALUES(1,'P1','{}');
CREATE TABLE resolutions (
	id INTEGER NOT NULL, 
	raters VARCHAR(400) NOT NULL, 
	transcript_id INTEGER NOT NULL, 
	segment_id INTEGER, 
	decision VARCHAR(20) NOT NULL, 
	codes JSON NOT NULL, 
	adjudicator VARCHAR(200) NOT NULL, 
	reason TEXT, 
	at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(transcript_id) REFERENCES transcripts (id) ON DELETE CASCADE, 
	FOREIGN KEY(segment_id) REFERENCES segments (id) ON DELETE CASCADE
);
CREATE TABLE segments (
	id INTEGER NOT NULL, 
	transcript_id INTEGER NOT NULL, 
	"index" INTEGER NOT NULL, 
	speaker VARCHAR(200) NOT NULL, 
	role VARCHAR(20) NOT NULL, 
	start INTEGER NOT NULL, 
	"end" INTEGER NOT NULL, 
	timestamp VARCHAR(32), 
	PRIMARY KEY (id), 
	UNIQUE (transcript_id, "index"), 
	FOREIGN KEY(transcript_id) REFERENCES transcripts (id) ON DELETE CASCADE
);
INSERT INTO "segments" VALUES(1,1,0,'Interviewer','interviewer',13,24,NULL);
INSERT INTO "segments" VALUES(2,1,1,'P1','participant',30,50,NULL);
INSERT INTO "segments" VALUES(3,1,2,'Interviewer','interviewer',65,76,NULL);
INSERT INTO "segments" VALUES(4,1,3,'P1','participant',82,102,NULL);
CREATE TABLE sign_in_failures (
	id INTEGER NOT NULL, 
	user_name VARCHAR(200) NOT NULL, 
	at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE study_meta (
	"key" VARCHAR(64) NOT NULL, 
	value TEXT NOT NULL, 
	PRIMARY KEY ("key")
);
INSERT INTO "study_meta" VALUES('schema_version','1');
CREATE TABLE themes (
	id INTEGER NOT NULL, 
	parent_id INTEGER, 
	name VARCHAR(200) NOT NULL, 
	description TEXT NOT NULL, 
	"exclusive" BOOLEAN NOT NULL, 
	position INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(parent_id) REFERENCES themes (id)
);
INSERT INTO "themes" VALUES(1,NULL,'Challenges','',0,0);
INSERT INTO "themes" VALUES(2,NULL,'Attributes','',0,1);
INSERT INTO "themes" VALUES(3,2,'Traditional','',0,0);
INSERT INTO "themes" VALUES(4,2,'Portability','',0,1);
CREATE TABLE transcript_status (
	rater_id INTEGER NOT NULL, 
	transcript_id INTEGER NOT NULL, 
	done BOOLEAN NOT NULL, 
	done_at DATETIME, 
	PRIMARY KEY (rater_id, transcript_id), 
	FOREIGN KEY(rater_id) REFERENCES users (id), 
	FOREIGN KEY(transcript_id) REFERENCES transcripts (id) ON DELETE CASCADE
);
CREATE TABLE transcripts (
	id INTEGER NOT NULL, 
	name VARCHAR(300) NOT NULL, 
	participant_id INTEGER, 
	source_file TEXT NOT NULL, 
	content_hash VARCHAR(64) NOT NULL, 
	text TEXT NOT NULL, 
	unit VARCHAR(20) NOT NULL, 
	interviewer VARCHAR(200), 
	interview_date VARCHAR(32), 
	header JSON NOT NULL, 
	turns JSON NOT NULL, 
	imported_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (name), 
	FOREIGN KEY(participant_id) REFERENCES participants (id)
);
INSERT INTO "transcripts" VALUES(1,'P1',1,'<memory>','5e48dec528b0cc30abe0e666d81dedf7bdfc592f8b521a4ed9fd55b49c502aef','Interviewer: Question 1?

P1: I search for models.

Interviewer: Question 2?

P1: The license matters.

','turn','Interviewer',NULL,'{}','[["Interviewer", 13, 24, null, null], ["P1", 30, 50, null, null], ["Interviewer", 65, 76, null, null], ["P1", 82, 102, null, null]]','2026-11-28 13:04:51.475816');
CREATE TABLE users (
	id INTEGER NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	role VARCHAR(20) NOT NULL, 
	password_hash TEXT, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (name)
);
INSERT INTO "users" VALUES(1,'alice','coder',NULL,'2026-11-28 13:04:51.481589');
INSERT INTO "users" VALUES(2,'bob','coder',NULL,'2026-11-28 13:04:51.520411');
CREATE INDEX ix_audit_log_actor ON audit_log (actor);
CREATE INDEX ix_audit_log_action ON audit_log (action);
CREATE INDEX ix_audit_log_at ON audit_log (at);
CREATE INDEX ix_sign_in_failures_user_name ON sign_in_failures (user_name);
CREATE INDEX ix_codes_theme_id ON codes (theme_id);
CREATE INDEX ix_app_sessions_user_id ON app_sessions (user_id);
CREATE INDEX ix_segments_transcript_id ON segments (transcript_id);
CREATE INDEX ix_codings_rater_id ON codings (rater_id);
CREATE INDEX ix_codings_segment_id ON codings (segment_id);
CREATE INDEX ix_codings_transcript_id ON codings (transcript_id);
CREATE INDEX ix_codings_code_id ON codings (code_id);
CREATE INDEX ix_memos_transcript_id ON memos (transcript_id);
CREATE INDEX ix_memos_rater_id ON memos (rater_id);
CREATE INDEX ix_resolutions_transcript_id ON resolutions (transcript_id);
COMMIT;
