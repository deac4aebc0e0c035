"""Readers, templates and cleansing of operator CDRs, cell lists and ANPR reads.

Notebook use, no database needed::

    import ingest
    result = ingest.read("calls.csv")            # template detected from the header
    result.frame                                 # one row per input data row
    result.report.as_dict()                      # rows read = loaded + merged + rejected
"""

from ingest.cdr import data_event_id, event_id
from ingest.reader import read, read_chunks
from ingest.result import ReadChunk, ReadResult, ReadStream, ReconciliationReport

__all__ = [
    "ReadChunk",
    "ReadResult",
    "ReadStream",
    "ReconciliationReport",
    "data_event_id",
    "event_id",
    "read",
    "read_chunks",
]
