// Make a user a member of a team (idempotent); no row if either does not exist.
// params: username, team
// returns: username, team
MATCH (u:User {username: $username}), (t:Team {name: $team})
MERGE (u)-[:MEMBER_OF]->(t)
RETURN u.username AS username, t.name AS team
