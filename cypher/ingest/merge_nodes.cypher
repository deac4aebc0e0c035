// MERGE the batch's distinct numbers, handsets, SIMs and unresolved or Wi-Fi cells on their case keys;
// properties are set only when this file creates the node (src_sha256 = the creating file).
// params: case_id, sha256, numbers, handsets, sims, cells
// returns: none
CALL () {
  UNWIND $numbers AS n
  MERGE (x:Number {case_id: $case_id, key: n.key})
  ON CREATE SET x += n.props, x.src_sha256 = $sha256
}
CALL () {
  UNWIND $handsets AS h
  MERGE (x:Handset {case_id: $case_id, imei: h.key})
  ON CREATE SET x += h.props, x.src_sha256 = $sha256
}
CALL () {
  UNWIND $sims AS s
  MERGE (x:SIM {case_id: $case_id, imsi: s.key})
  ON CREATE SET x += s.props, x.src_sha256 = $sha256
}
CALL () {
  UNWIND $cells AS c
  MERGE (x:Cell {case_id: $case_id, key: c.key})
  ON CREATE SET x += c.props, x.src_sha256 = $sha256
}
