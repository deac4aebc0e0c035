// MERGE cell configurations from a cell list, keyed "<cgi>@<valid_from>"; the first list to
// describe a configuration keeps it (src_sha256 = that list).
// params: case_id, sha256, rows
// returns: none
UNWIND $rows AS r
MERGE (c:Cell {case_id: $case_id, key: r.key})
ON CREATE SET c += r.props, c.src_sha256 = $sha256
