// The user an API token belongs to, with its expiry and the user's teams.
// params: token_hash
// returns: username, role, disabled, expires_at, revoked, teams
MATCH (k:ApiToken {token_hash: $token_hash})-[:TOKEN_OF]->(u:User)
OPTIONAL MATCH (u)-[:MEMBER_OF]->(t:Team)
WITH k, u, t ORDER BY t.name
RETURN u.username AS username, u.role AS role, coalesce(u.disabled, false) AS disabled,
       k.expires_at AS expires_at, coalesce(k.revoked, false) AS revoked, collect(t.name) AS teams
