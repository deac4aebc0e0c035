// Edit a draft exhibit in place and note the editor; a final exhibit is never matched, so it cannot change.
// params: exhibit_id, title, run_ids, notes, editor
// returns: exhibit
MATCH (e:Exhibit {exhibit_id: $exhibit_id})
WHERE e.status = 'draft'
SET e.title = coalesce($title, e.title), e.run_ids = coalesce($run_ids, e.run_ids),
    e.notes = coalesce($notes, e.notes), e.updated_at = datetime(),
    e.contributors = CASE WHEN $editor IN coalesce(e.contributors, []) THEN e.contributors
                          ELSE coalesce(e.contributors, []) + $editor END
RETURN e {.*} AS exhibit
