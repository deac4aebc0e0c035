// Remove a user from a team; returns how many memberships were removed (0 or 1).
// params: username, team
// returns: removed
OPTIONAL MATCH (:User {username: $username})-[m:MEMBER_OF]->(:Team {name: $team})
DELETE m
RETURN count(m) AS removed
