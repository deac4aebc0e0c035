// Record that a schema migration has been applied (idempotent).
// params: version, name
// returns: version
MERGE (m:CsasMigration {version: $version})
ON CREATE SET m.name = $name, m.applied_at = datetime()
RETURN m.version AS version
