// Update a case's editable fields; null leaves a field as it is.
// params: case_id, name, review_date
// returns: case
MATCH (c:Case {case_id: $case_id})
SET c.name = coalesce($name, c.name), c.review_date = coalesce($review_date, c.review_date),
    c.updated_at = datetime()
RETURN c {.*} AS case
