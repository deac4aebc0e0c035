// Users, tokens and the audit chain: a single chain head, and lookups by user and token owner.
CREATE CONSTRAINT audit_head IF NOT EXISTS FOR (n:AuditHead) REQUIRE n.id IS UNIQUE;
CREATE INDEX audit_user IF NOT EXISTS FOR (n:AuditRecord) ON (n.user);
CREATE INDEX api_token_user IF NOT EXISTS FOR (n:ApiToken) ON (n.username)
