// The location fields pattern-of-life rows show for the given cells (index seek per cell).
// params: case_id, keys
// returns: cell, cgi, lat, lon, site_name
UNWIND $keys AS k
MATCH (c:Cell {case_id: $case_id, key: k})
RETURN c.key AS cell, c.cgi AS cgi, c.location.latitude AS lat, c.location.longitude AS lon, c.site_name AS site_name
