// One number's cell sightings in a UTC window, oldest first, with the cell's location (null if unresolved).
// params: case_id, number, since, until
// returns: event_id, t, role, type, time_basis, cell, cgi, site_name, lat, lon, azimuth, beamwidth, src_sha256, src_row
MATCH (n:Number {case_id: $case_id, key: $number})-[s:SEEN_AT {case_id: $case_id}]->(c:Cell)
WHERE ($since IS NULL OR s.t >= $since) AND ($until IS NULL OR s.t < $until)
RETURN s.event_id AS event_id, toString(s.t) AS t, s.role AS role, s.type AS type, s.time_basis AS time_basis,
       c.key AS cell, c.cgi AS cgi, c.site_name AS site_name, c.location.latitude AS lat,
       c.location.longitude AS lon, c.azimuth AS azimuth, c.beamwidth AS beamwidth,
       s.src_sha256 AS src_sha256, s.src_row AS src_row
ORDER BY s.t, s.event_id, s.role
