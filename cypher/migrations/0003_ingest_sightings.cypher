// Sightings are per party: a call seen in both parties' records keeps each party's cells, so a
// SEEN_AT is unique on (case, event, role, party) rather than (case, event, role).
// Events are found by the file that created them when a partial load is rolled back.
DROP CONSTRAINT seen_at_event IF EXISTS;
CREATE CONSTRAINT seen_at_sighting IF NOT EXISTS FOR ()-[r:SEEN_AT]-() REQUIRE (r.case_id, r.event_id, r.role, r.party) IS UNIQUE;
CREATE INDEX source_file_status IF NOT EXISTS FOR (n:SourceFile) ON (n.case_id, n.status)
