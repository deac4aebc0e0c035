// Cells whose location lies within radius_m metres of a point (point index seek).
// params: case_id, lat, lon, radius_m
// returns: cell
MATCH (c:Cell)
WHERE point.distance(c.location, point({latitude: $lat, longitude: $lon})) <= $radius_m AND c.case_id = $case_id
RETURN c.key AS cell
ORDER BY cell
