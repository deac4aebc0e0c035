// Located cells of a case with their sector geometry, for the cell-site map (keys = null: all cells).
// params: case_id, keys, limit
// returns: key, cgi, lat, lon, azimuth, beamwidth, site_name, valid_from, valid_to
MATCH (c:Cell {case_id: $case_id})
WHERE c.location IS NOT NULL AND ($keys IS NULL OR c.key IN $keys)
RETURN c.key AS key, c.cgi AS cgi, c.location.latitude AS lat, c.location.longitude AS lon,
       c.azimuth AS azimuth, c.beamwidth AS beamwidth, c.site_name AS site_name,
       toString(c.valid_from) AS valid_from, toString(c.valid_to) AS valid_to
ORDER BY key
LIMIT $limit
