"""Lifecycle analysis, one module per concept.

``settings`` (the ``[lifecycle_analysis]`` rules), ``stages`` (timeline and stage counts),
``dimensions`` (what a view groups by), ``curves`` (Kaplan–Meier per group, log-rank),
``cohort_matrix`` (the cohort heatmap), ``breakdown`` (churn types, reasons, value decline),
``funnel`` (per join cohort), ``value`` (sBG projection and CLV per tier); the estimators in
``survival`` and ``sbg``, the SQL in ``queries``, the figures in ``charts``.
"""
