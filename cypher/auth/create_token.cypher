// Store an API token's hash for a user (the token itself is never stored); no row if no such user.
// params: username, token_hash, prefix, expires_at
// returns: prefix
MATCH (u:User {username: $username})
CREATE (k:ApiToken {token_hash: $token_hash, username: $username, prefix: $prefix,
                    created_at: datetime(), expires_at: $expires_at})
CREATE (k)-[:TOKEN_OF]->(u)
RETURN k.prefix AS prefix
