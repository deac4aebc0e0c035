// Every cell of a case with its location and sector geometry, as parallel lists ('' for unknown values).
// params: case_id
// returns: cell, cgi, resolved, lat, lon, azimuth, beamwidth, site_name
MATCH (c:Cell {case_id: $case_id})
WITH c ORDER BY c.key
RETURN collect(c.key) AS cell, collect(coalesce(c.cgi, '')) AS cgi, collect(coalesce(c.resolved, '')) AS resolved,
       collect(coalesce(c.location.latitude, '')) AS lat, collect(coalesce(c.location.longitude, '')) AS lon,
       collect(coalesce(c.azimuth, '')) AS azimuth, collect(coalesce(c.beamwidth, '')) AS beamwidth,
       collect(coalesce(c.site_name, '')) AS site_name
