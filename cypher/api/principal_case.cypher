// One round trip for a case request: the API token's user and teams, the case, and its source files'
// states (what the result cache keys on). No row when the token is unknown; case is null when there is no such case.
// Times as ISO text: decoding a driver DateTime costs more than the rest of the row (one per file, each request).
// params: token_hash, case_id
// returns: username, role, disabled, expires_at, revoked, teams, case, sources
MATCH (k:ApiToken {token_hash: $token_hash})-[:TOKEN_OF]->(u:User)
CALL (u) {
  OPTIONAL MATCH (u)-[:MEMBER_OF]->(t:Team)
  WITH t ORDER BY t.name
  RETURN collect(t.name) AS teams
}
CALL () {
  OPTIONAL MATCH (c:Case {case_id: $case_id})
  RETURN c {.*} AS case
}
CALL () {
  OPTIONAL MATCH (f:SourceFile {case_id: $case_id})
  WITH f ORDER BY f.sha256
  RETURN collect(f {.sha256, .status, started_at: toString(f.started_at), completed_at: toString(f.completed_at),
                  .rows_read}) AS sources
}
RETURN u.username AS username, u.role AS role, coalesce(u.disabled, false) AS disabled,
       toString(k.expires_at) AS expires_at, coalesce(k.revoked, false) AS revoked, teams, case, sources
