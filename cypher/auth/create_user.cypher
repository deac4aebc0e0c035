// Create a user with a role; returns nothing if the username is taken.
// params: username, role
// returns: username
OPTIONAL MATCH (existing:User {username: $username})
WITH existing WHERE existing IS NULL
CREATE (u:User {username: $username, role: $role, created_at: datetime()})
RETURN u.username AS username
