"""Seeding the store with the demo base, one monthly snapshot per transaction."""
from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from lib.pipeline.after_import import imported
from lib.demo.generate import generate_snapshots
from lib.pipeline.derive import derive
from lib.rules.versions import current_rules
from lib.pipeline.snapshots import stored_dates, write_snapshots
from lib.workspaces import DEMO_SOURCE  # the demo's snapshots' source name, defined once

#: The name the demo store's marker carries (the app shows it as "Demo" / "演示").
DEMO_NAME = "Demo"

#: The demo simulates month by month: each snapshot's churn flag covers its own month.
DEMO_CHURN_WINDOW_MONTHS = 1


def store_is_empty(engine: sa.Engine) -> bool:
    """True when no snapshot is stored."""
    return not stored_dates(engine)


def seed_demo(engine: sa.Engine, customers: int = 100_000, snapshots: int = 12, seed: int = 7,
              report: Callable[[str], None] = lambda _text: None) -> int:
    """Generate the demo base and store it; return the rows written.

    Each monthly snapshot is its own import (as a real monthly export would be), so an
    interrupted seeding leaves whole snapshots only. The store is marked as a demo store first
    (``lib.workspaces.mark_store``): it is recognisably the demo even without the registry, and
    the command line refuses to import a user's file into it.
    """
    from lib.workspaces import DEMO, mark_store

    mark_store(engine, DEMO, DEMO_NAME)
    rules = current_rules(engine)
    written = 0
    for frame in generate_snapshots(customers=customers, snapshots=snapshots, seed=seed):
        outcome = write_snapshots(engine, derive(frame), rules=rules, source_name=DEMO_SOURCE,
                                  churn_window_months=DEMO_CHURN_WINDOW_MONTHS, replace=True)
        written += outcome.rows_written
        report(f"{outcome.snapshot_dates[0]}: {outcome.rows_written} rows")
        latest = outcome.snapshot_dates[-1]
    if written:   # the Overview opens on the latest snapshot: its alerts are recorded, as an import's
        imported(engine, [latest])
    return written
