// Change a user's role.
// params: username, role
// returns: username
MATCH (u:User {username: $username})
SET u.role = $role, u.updated_at = datetime()
RETURN u.username AS username
