// Every cell of a case with its location (null when unresolved).
// params: case_id
// returns: cell, cgi, lat, lon
MATCH (c:Cell {case_id: $case_id})
RETURN c.key AS cell, c.cgi AS cgi, c.location.latitude AS lat, c.location.longitude AS lon
ORDER BY cell
