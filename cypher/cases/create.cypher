// Create a case; returns nothing if the case id is taken.
// params: case_id, name, team, review_date, timezone, created_by
// returns: case_id
OPTIONAL MATCH (existing:Case {case_id: $case_id})
WITH existing WHERE existing IS NULL
CREATE (c:Case {case_id: $case_id, name: $name, team: $team, review_date: $review_date,
                timezone: $timezone, created_by: $created_by, created_at: datetime()})
RETURN c.case_id AS case_id
