// Roll back part of a file's load: strip "<sha256>:..." from event and attribution sources, delete those
// left without a source, and re-point src_sha256/src_row of the rest at their first remaining source.
// Runs in auto-commit batches (CALL ... IN TRANSACTIONS), so it must be sent outside a managed transaction.
// params: case_id, prefix
// returns: none
MATCH ()-[r:CALLED|SEEN_AT|READ_AT|ATTRIBUTED_TO]->()
WHERE r.case_id = $case_id AND any(s IN r.sources WHERE s STARTS WITH $prefix)
CALL (r) {
  WITH r, [s IN r.sources WHERE NOT s STARTS WITH $prefix] AS kept
  SET r.sources = kept
  WITH r, kept
  CALL (r, kept) {
    WITH r, kept WHERE size(kept) = 0
    DELETE r
  }
  CALL (r, kept) {
    WITH r, kept WHERE size(kept) > 0
    SET r.src_sha256 = split(kept[0], ':')[0], r.src_row = toInteger(split(kept[0], ':')[1])
  }
} IN TRANSACTIONS OF 5000 ROWS
