// The analyses' precomputed per-case summaries (csas_graph/analyses/summaries.py): one state node
// per case and summary, found by case.
CREATE CONSTRAINT analysis_summary_key IF NOT EXISTS FOR (n:AnalysisSummary) REQUIRE (n.case_id, n.name) IS UNIQUE
