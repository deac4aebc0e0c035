// Every team with its members, by name.
// params: none
// returns: name, members
MATCH (t:Team)
OPTIONAL MATCH (u:User)-[:MEMBER_OF]->(t)
WITH t, u ORDER BY u.username
WITH t, collect(u.username) AS members
RETURN t.name AS name, members
ORDER BY name
