// Per-number identity digests of attribution (csas_graph/analyses/summaries.py): one node per case and number.
CREATE CONSTRAINT identity_summary_key IF NOT EXISTS FOR (n:IdentitySummary) REQUIRE (n.case_id, n.number) IS UNIQUE
