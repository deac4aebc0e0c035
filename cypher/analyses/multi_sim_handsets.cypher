// Handsets of a case in which at least min_sims distinct SIMs were seen, with their numbers.
// params: case_id, min_sims
// returns: imei, placeholder, numbers, sims
MATCH (h:Handset {case_id: $case_id})
WITH h, COLLECT { MATCH (h)<-[:IN_HANDSET]-(s:SIM) RETURN DISTINCT s.imsi ORDER BY s.imsi } AS sims
WHERE size(sims) >= $min_sims
RETURN h.imei AS imei, h.placeholder AS placeholder,
       COLLECT { MATCH (h)<-[:USED_HANDSET]-(n:Number) RETURN DISTINCT n.key ORDER BY n.key } AS numbers, sims
ORDER BY imei
