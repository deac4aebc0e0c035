// Roll back part of a file's load: delete the nodes that file created and that nothing refers to now.
// Runs in auto-commit batches (CALL ... IN TRANSACTIONS), so it must be sent outside a managed transaction.
// params: case_id, sha256
// returns: none
MATCH (n:Number|Handset|SIM|Cell|Vehicle|Camera|Person)
WHERE n.case_id = $case_id AND n.src_sha256 = $sha256 AND NOT (n)--()
CALL (n) { DELETE n } IN TRANSACTIONS OF 10000 ROWS
