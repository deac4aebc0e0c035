// A number's sightings in a window by index: SEEN_AT.party is the key of the number seen (its start node), so
// (case_id, party, t) seeks one number's sightings in a time range without expanding its whole history.
CREATE INDEX seen_at_party_t IF NOT EXISTS FOR ()-[s:SEEN_AT]-() ON (s.case_id, s.party, s.t)
