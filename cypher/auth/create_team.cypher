// Create a team; returns nothing if the name is taken.
// params: name
// returns: name
OPTIONAL MATCH (existing:Team {name: $name})
WITH existing WHERE existing IS NULL
CREATE (t:Team {name: $name, created_at: datetime()})
RETURN t.name AS name
