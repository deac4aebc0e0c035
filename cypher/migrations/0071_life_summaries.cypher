// Per-number pattern-of-life digests (csas_graph/analyses/summaries.py): one node per case and number.
CREATE CONSTRAINT life_summary_key IF NOT EXISTS FOR (n:LifeSummary) REQUIRE (n.case_id, n.number) IS UNIQUE
