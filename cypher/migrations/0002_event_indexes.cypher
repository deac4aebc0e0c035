// Events are relationships; every one has a case-unique content key (event_id) and is indexed
// on time so that windows, tower dumps and co-location are index seeks, not scans.
CREATE CONSTRAINT called_event IF NOT EXISTS FOR ()-[r:CALLED]-() REQUIRE (r.case_id, r.event_id) IS UNIQUE;
CREATE CONSTRAINT seen_at_event IF NOT EXISTS FOR ()-[r:SEEN_AT]-() REQUIRE (r.case_id, r.event_id, r.role) IS UNIQUE;
CREATE CONSTRAINT read_at_event IF NOT EXISTS FOR ()-[r:READ_AT]-() REQUIRE (r.case_id, r.event_id) IS UNIQUE;
CREATE INDEX called_start IF NOT EXISTS FOR ()-[r:CALLED]-() ON (r.start);
CREATE INDEX seen_at_t IF NOT EXISTS FOR ()-[r:SEEN_AT]-() ON (r.t);
CREATE INDEX seen_at_event_id IF NOT EXISTS FOR ()-[r:SEEN_AT]-() ON (r.event_id);
CREATE INDEX read_at_t IF NOT EXISTS FOR ()-[r:READ_AT]-() ON (r.t);
CREATE POINT INDEX cell_point IF NOT EXISTS FOR (n:Cell) ON (n.location);
CREATE POINT INDEX camera_point IF NOT EXISTS FOR (n:Camera) ON (n.location);
CREATE INDEX cell_cgi IF NOT EXISTS FOR (n:Cell) ON (n.case_id, n.cgi);
CREATE INDEX audit_case IF NOT EXISTS FOR (n:AuditRecord) ON (n.case_id)
