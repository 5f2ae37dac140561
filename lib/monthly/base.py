"""What the monthly commands and the delivery share: exit codes, the refusal, the snapshot."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from lib.errors import AppError
from lib.pipeline.snapshots import stored_dates

#: exit codes of the batch commands: done, refused (one line on stderr), alerts breached
EXIT_OK, EXIT_REFUSED, EXIT_ALERT = 0, 2, 3


class Refused(AppError):
    """A batch command cannot run: ``code``/``params`` for lib.i18n (one line on stderr)."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code, params)


def resolve_snapshot(engine: sa.Engine, chosen: dt.date | None) -> dt.date:
    """``chosen`` when it is stored, the latest stored snapshot when None; ``Refused`` else."""
    dates = stored_dates(engine)
    if not dates:
        raise Refused("cli_no_snapshot")
    if chosen is None:
        return dates[-1]
    if chosen not in dates:
        raise Refused("cli_unknown_snapshot", date=chosen.isoformat(),
                      dates=", ".join(d.isoformat() for d in dates[-6:]))
    return chosen
