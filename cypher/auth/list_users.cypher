// Every user with their teams, by username.
// params: none
// returns: username, role, disabled, teams
MATCH (u:User)
OPTIONAL MATCH (u)-[:MEMBER_OF]->(t:Team)
WITH u, t ORDER BY t.name
WITH u, collect(t.name) AS teams
RETURN u.username AS username, u.role AS role, coalesce(u.disabled, false) AS disabled, teams
ORDER BY username
