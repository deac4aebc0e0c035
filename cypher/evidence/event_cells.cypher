// The located cells used by the given events (evidence of a result), for the exhibit's map.
// params: case_id, event_ids
// returns: key, cgi, site_name, lat, lon, azimuth, beamwidth, valid_from, valid_to, events
MATCH (:Number {case_id: $case_id})-[s:SEEN_AT]->(c:Cell {case_id: $case_id})
WHERE s.event_id IN $event_ids AND c.location IS NOT NULL
WITH c, count(s) AS events
RETURN c.key AS key, c.cgi AS cgi, c.site_name AS site_name, c.location.latitude AS lat,
       c.location.longitude AS lon, c.azimuth AS azimuth, c.beamwidth AS beamwidth,
       c.valid_from AS valid_from, c.valid_to AS valid_to, events
ORDER BY key
