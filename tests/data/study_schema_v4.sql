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
CREATE TABLE codes (
	id INTEGER NOT NULL, 
	theme_id INTEGER, 
	name VARCHAR(200) NOT NULL, 
	definition TEXT NOT NULL, 
	when_to_use TEXT NOT NULL, 
	when_not_to_use TEXT NOT NULL, 
	example TEXT NOT NULL, 
	keywords JSON NOT NULL, 
	colour VARCHAR(16), 
	retired BOOLEAN NOT NULL, 
	position INTEGER NOT NULL, 
	parent_code_id INTEGER, 
	PRIMARY KEY (id), 
	FOREIGN KEY(theme_id) REFERENCES themes (id), 
	FOREIGN KEY(parent_code_id) REFERENCES codes (id)
);
CREATE TABLE coding_flags (
	coding_id INTEGER NOT NULL, 
	reason TEXT NOT NULL, 
	"by" VARCHAR(200) NOT NULL, 
	at DATETIME NOT NULL, 
	PRIMARY KEY (coding_id), 
	FOREIGN KEY(coding_id) REFERENCES codings (id) ON DELETE CASCADE
);
CREATE TABLE codings (
	id INTEGER NOT NULL, 
	rater_id INTEGER NOT NULL, 
	transcript_id INTEGER NOT NULL, 
	segment_id INTEGER, 
	code_id INTEGER NOT NULL, 
	unit_key VARCHAR(80) NOT NULL, 
	span_start INTEGER, 
	span_end INTEGER, 
	memo TEXT, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_codings_key UNIQUE (rater_id, transcript_id, code_id, unit_key), 
	FOREIGN KEY(rater_id) REFERENCES users (id), 
	FOREIGN KEY(transcript_id) REFERENCES transcripts (id) ON DELETE CASCADE, 
	FOREIGN KEY(segment_id) REFERENCES segments (id) ON DELETE CASCADE, 
	FOREIGN KEY(code_id) REFERENCES codes (id)
);
CREATE TABLE exclusions (
	id INTEGER NOT NULL, 
	transcript_id INTEGER, 
	participant_id INTEGER, 
	reason TEXT, 
	"by" VARCHAR(200) NOT NULL, 
	at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (transcript_id), 
	FOREIGN KEY(transcript_id) REFERENCES transcripts (id) ON DELETE CASCADE, 
	UNIQUE (participant_id), 
	FOREIGN KEY(participant_id) REFERENCES participants (id) ON DELETE CASCADE
);
CREATE INDEX ix_app_sessions_user_id ON app_sessions (user_id);
CREATE INDEX ix_audit_log_action ON audit_log (action);
CREATE INDEX ix_audit_log_actor ON audit_log (actor);
CREATE INDEX ix_audit_log_at ON audit_log (at);
CREATE INDEX ix_codes_parent_code_id ON codes (parent_code_id);
CREATE INDEX ix_codes_theme_id ON codes (theme_id);
CREATE INDEX ix_codings_code_id ON codings (code_id);
CREATE INDEX ix_codings_rater_id ON codings (rater_id);
CREATE INDEX ix_codings_segment_id ON codings (segment_id);
CREATE INDEX ix_codings_transcript_id ON codings (transcript_id);
CREATE INDEX ix_memo_versions_rater_id ON memo_versions (rater_id);
CREATE INDEX ix_memo_versions_transcript_id ON memo_versions (transcript_id);
CREATE INDEX ix_memos_rater_id ON memos (rater_id);
CREATE INDEX ix_memos_transcript_id ON memos (transcript_id);
CREATE INDEX ix_resolutions_transcript_id ON resolutions (transcript_id);
CREATE INDEX ix_segments_transcript_id ON segments (transcript_id);
CREATE INDEX ix_sign_in_devices_last_at ON sign_in_devices (last_at);
CREATE INDEX ix_sign_in_devices_user_id ON sign_in_devices (user_id);
CREATE INDEX ix_sign_in_failures_user_name ON sign_in_failures (user_name);
CREATE INDEX ix_sign_in_throttle_last_at ON sign_in_throttle (last_at);
CREATE TABLE memo_versions (
	id INTEGER NOT NULL, 
	rater_id INTEGER NOT NULL, 
	transcript_id INTEGER NOT NULL, 
	segment_id INTEGER, 
	version INTEGER NOT NULL, 
	text TEXT NOT NULL, 
	actor VARCHAR(200) NOT NULL, 
	at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (rater_id, transcript_id, segment_id, version), 
	FOREIGN KEY(rater_id) REFERENCES users (id), 
	FOREIGN KEY(transcript_id) REFERENCES transcripts (id) ON DELETE CASCADE, 
	FOREIGN KEY(segment_id) REFERENCES segments (id) ON DELETE CASCADE
);
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
CREATE TABLE sign_in_devices (
	token_hash VARCHAR(64) NOT NULL, 
	user_id INTEGER NOT NULL, 
	last_at DATETIME NOT NULL, 
	PRIMARY KEY (token_hash), 
	FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE TABLE sign_in_failures (
	id INTEGER NOT NULL, 
	user_name VARCHAR(200) NOT NULL, 
	at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE sign_in_throttle (
	account VARCHAR(200) NOT NULL, 
	client VARCHAR(100) NOT NULL, 
	failures INTEGER NOT NULL, 
	blocked_until DATETIME NOT NULL, 
	last_at DATETIME NOT NULL, 
	PRIMARY KEY (account, client)
);
CREATE TABLE study_meta (
	"key" VARCHAR(64) NOT NULL, 
	value TEXT NOT NULL, 
	PRIMARY KEY ("key")
);
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
CREATE TABLE users (
	id INTEGER NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	role VARCHAR(20) NOT NULL, 
	password_hash TEXT, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (name)
);
