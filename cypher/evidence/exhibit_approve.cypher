// Make a draft exhibit final: record the reviewer and the hash of its content; drafts only.
// params: exhibit_id, reviewer, final_hash
// returns: exhibit
MATCH (e:Exhibit {exhibit_id: $exhibit_id})
WHERE e.status = 'draft'
SET e.status = 'final', e.approved_by = $reviewer, e.approved_at = datetime(), e.final_hash = $final_hash
RETURN e {.*} AS exhibit
