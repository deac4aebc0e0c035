// MERGE the batch's distinct vehicles and cameras on their case keys.
// params: case_id, sha256, vehicles, cameras
// returns: none
CALL () {
  UNWIND $vehicles AS v
  MERGE (x:Vehicle {case_id: $case_id, vrm: v.key})
  ON CREATE SET x.src_sha256 = $sha256
}
CALL () {
  UNWIND $cameras AS k
  MERGE (x:Camera {case_id: $case_id, camera_id: k.key})
  ON CREATE SET x += k.props, x.src_sha256 = $sha256
}
