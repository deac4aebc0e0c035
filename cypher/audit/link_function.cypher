// Whether this Neo4j can link audit records itself (APOC core's apoc.util.sha256, which the
// local server, the official image with NEO4J_PLUGINS=["apoc"] and Aura provide): the hash of
// the empty list's join, the SHA-256 of "".
// params: none
// returns: hash
RETURN apoc.util.sha256([]) AS hash
