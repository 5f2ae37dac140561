"""The ``[lifecycle_analysis]`` settings and the churn definition they give, for the Lifecycle
page, its modules and tests under one name. Both live below the page domains so the lifetime
cube (``lib.pipeline``) reads them without importing ``lib.lifecycle``: the section reader in
``lib.rules.lifecycle_analysis``, the definition in ``lib.pipeline.lifetimes``."""
from __future__ import annotations

from lib.pipeline.lifetimes import default_definition  # noqa: F401 - re-exported
from lib.rules.lifecycle_analysis import (  # noqa: F401 - re-exported
    COHORT_PERIODS,
    SECTION,
    VALUE_DROP_SHARE_RANGE,
    Settings,
    settings,
)
