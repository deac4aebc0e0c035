// Whether a team exists.
// params: name
// returns: exists
OPTIONAL MATCH (t:Team {name: $name})
RETURN t IS NOT NULL AS exists
