// Every cell of a case with its location (null when unresolved) and sector geometry.
// params: case_id
// returns: cell, cgi, resolved, lat, lon, azimuth, beamwidth, site_name
MATCH (c:Cell {case_id: $case_id})
RETURN c.key AS cell, c.cgi AS cgi, c.resolved AS resolved, c.location.latitude AS lat,
       c.location.longitude AS lon, c.azimuth AS azimuth, c.beamwidth AS beamwidth, c.site_name AS site_name
ORDER BY cell
