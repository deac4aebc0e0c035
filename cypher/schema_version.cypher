// The schema migrations recorded as applied, newest first.
// params: none
// returns: version, name, applied_at
MATCH (m:CsasMigration)
RETURN m.version AS version, m.name AS name, m.applied_at AS applied_at
ORDER BY version DESC
