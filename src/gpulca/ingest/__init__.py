"""Activity data from cluster logs and energy measurements (issue 4)."""
