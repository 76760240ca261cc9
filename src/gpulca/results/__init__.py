"""What a run produces: :class:`~gpulca.results.result.StudyResult` and
:class:`~gpulca.results.comparison.ComparisonResult`, the tidy frames and their standard views,
and the comparison with published figures. Pure: built from solved scores.
"""
