// Cell sightings of the given numbers in [since, until], with the cell's location and sector geometry.
// params: case_id, keys, since, until
// returns: number, event_id, t, type, role, imei, cell, cgi, resolved, lat, lon, azimuth, beamwidth, site_name
UNWIND $keys AS k
MATCH (n:Number {case_id: $case_id, key: k})-[s:SEEN_AT]->(c:Cell)
WHERE s.t >= $since AND s.t <= $until
RETURN n.key AS number, s.event_id AS event_id, s.t AS t, s.type AS type, s.role AS role, s.imei AS imei,
       c.key AS cell, c.cgi AS cgi, c.resolved AS resolved, c.location.latitude AS lat,
       c.location.longitude AS lon, c.azimuth AS azimuth, c.beamwidth AS beamwidth, c.site_name AS site_name
ORDER BY t, event_id, role
