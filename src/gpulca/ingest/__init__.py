"""Activity data from cluster logs and energy measurements (issue 4)."""

from gpulca.ingest.summary import IngestSummary, SacctActivity, sacct_activity

__all__ = ["IngestSummary", "SacctActivity", "sacct_activity"]
