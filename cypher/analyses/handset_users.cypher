// For each given handset: the numbers that used it and the SIMs seen in it (case-wide).
// params: case_id, imeis
// returns: imei, placeholder, numbers, sims
UNWIND $imeis AS imei
MATCH (h:Handset {case_id: $case_id, imei: imei})
RETURN h.imei AS imei, h.placeholder AS placeholder,
       COLLECT { MATCH (h)<-[:USED_HANDSET]-(n:Number) RETURN DISTINCT n.key ORDER BY n.key } AS numbers,
       COLLECT { MATCH (h)<-[:IN_HANDSET]-(s:SIM) RETURN DISTINCT s.imsi ORDER BY s.imsi } AS sims
ORDER BY imei
