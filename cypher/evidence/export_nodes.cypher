// Every case node an export shows, with a stable id '<Label>:<key>' and its display properties.
// params: case_id
// returns: id, label, key, props
CALL () {
  MATCH (n:Number {case_id: $case_id})
  RETURN 'Number' AS label, n.key AS key, n {.kind, .raw} AS props
  UNION ALL
  MATCH (n:Cell {case_id: $case_id})
  RETURN 'Cell' AS label, n.key AS key,
         n {.cgi, .kind, .resolved, .azimuth, .beamwidth, .technology, .site_name, .address, .postcode,
            .valid_from, .valid_to, .roaming, source_sha256: coalesce(n.source_sha256, n.src_sha256),
            lat: n.location.latitude, lon: n.location.longitude} AS props
  UNION ALL
  MATCH (n:Handset {case_id: $case_id})
  RETURN 'Handset' AS label, n.imei AS key, n {.tac, .luhn_ok, .placeholder} AS props
  UNION ALL
  MATCH (n:SIM {case_id: $case_id})
  RETURN 'SIM' AS label, n.imsi AS key, n {.mcc, .mnc} AS props
  UNION ALL
  MATCH (n:Vehicle {case_id: $case_id})
  RETURN 'Vehicle' AS label, n.vrm AS key, {} AS props
  UNION ALL
  MATCH (n:Camera {case_id: $case_id})
  RETURN 'Camera' AS label, n.camera_id AS key,
         n {.name, .direction, lat: n.location.latitude, lon: n.location.longitude} AS props
  UNION ALL
  MATCH (n:Person {case_id: $case_id})
  RETURN 'Person' AS label, n.key AS key, n {.name, .address, source_sha256: coalesce(n.source_sha256, n.src_sha256)} AS props
}
RETURN label + ':' + key AS id, label, key, props
ORDER BY label, key
