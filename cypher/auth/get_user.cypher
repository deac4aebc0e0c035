// One user with the teams they belong to.
// params: username
// returns: username, role, disabled, teams
MATCH (u:User {username: $username})
OPTIONAL MATCH (u)-[:MEMBER_OF]->(t:Team)
WITH u, t ORDER BY t.name
RETURN u.username AS username, u.role AS role, coalesce(u.disabled, false) AS disabled,
       collect(t.name) AS teams
