// Everything pattern-of-life reads about one number in one round trip: its sightings (event id, epoch ms, cell;
// in time order), the CALLED events touching it (id, epoch ms; time order), and the geometry of the cells it used.
// params: case_id, number, since, until
// returns: event_id, t, cell, call_id, call_t, cells, cgi, lat, lon, site_name
MATCH (n:Number {case_id: $case_id, key: $number})
CALL (n) {
  MATCH (n)-[s:SEEN_AT]->(c)
  WHERE s.t >= $since AND s.t <= $until
  WITH s, c ORDER BY s.t, s.event_id, s.role
  RETURN collect(s.event_id) AS event_id, collect(s.t.epochMillis) AS t, collect(c.key) AS cell,
         collect(DISTINCT c) AS used
}
CALL (n) {
  MATCH (n)-[r:CALLED]-(:Number)
  WHERE r.start >= $since AND r.start <= $until
  WITH DISTINCT r
  WITH r ORDER BY r.start, r.event_id
  RETURN collect(r.event_id) AS call_id, collect(r.start.epochMillis) AS call_t
}
RETURN event_id, t, cell, call_id, call_t, [c IN used | c.key] AS cells, [c IN used | c.cgi] AS cgi,
       [c IN used | c.location.latitude] AS lat, [c IN used | c.location.longitude] AS lon,
       [c IN used | c.site_name] AS site_name
