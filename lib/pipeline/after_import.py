"""What runs after an import has stored its snapshots: hooks registered from above.

The import path (lib.ingest.importer, the demo seeding) sits below the code that reacts to new
data (the alert rules read the Overview, lib.monthly.alerts): that code registers a hook here
when it is imported, and the import calls every hook once its transaction has committed. The app
(lib.ui) and the command line (lib.cli) import lib.monthly.alerts, so both evaluate the alerts
after every import. A hook's failure is its own business: it must not undo the import.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import sqlalchemy as sa

#: ``hook(engine, snapshot_dates)`` after each import that stored ``snapshot_dates``
AfterImport = Callable[[sa.Engine, list[dt.date]], None]
_HOOKS: list[AfterImport] = []


def on_import(hook: AfterImport) -> AfterImport:
    """Register ``hook`` to run after every import (once per hook, whatever the imports)."""
    if hook not in _HOOKS:
        _HOOKS.append(hook)
    return hook


def imported(engine: sa.Engine, snapshot_dates: list[dt.date]) -> None:
    """Run the registered hooks for an import that stored ``snapshot_dates``."""
    for hook in list(_HOOKS):
        hook(engine, snapshot_dates)
