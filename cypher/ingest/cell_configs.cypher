// Every cell configuration of a case loaded from a cell list, for resolving events' cells.
// (Dynamic property access: no "unknown property" warning before the first cell list.)
// params: case_id
// returns: cgi, key, valid_from, valid_to
MATCH (c:Cell {case_id: $case_id})
WHERE c.resolved = true
RETURN c.cgi AS cgi, c.key AS key, c['valid_from'] AS valid_from, c['valid_to'] AS valid_to
