// Cases, optionally only those of the given teams (null = all), oldest first.
// params: teams
// returns: case
MATCH (c:Case)
WHERE $teams IS NULL OR c.team IN $teams
RETURN c {.*} AS case
ORDER BY c.created_at, c.case_id
