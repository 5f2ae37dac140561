"""The contact outcome codes, shared by recording outcomes (``lib.operations.outcomes``) and the
queries that count them (``lib.operations.outcome_queries``); i18n keys ``outcome_<code>``."""
from __future__ import annotations

#: Outcome codes, in the order they are shown.
OUTCOMES: tuple[str, ...] = ("reached", "not_reached", "refused", "accepted", "complaint")
#: Outcomes in which the customer was reached (the numerator of the service reach rate).
REACHED_OUTCOMES: tuple[str, ...] = ("reached", "refused", "accepted", "complaint")

__all__ = ["OUTCOMES", "REACHED_OUTCOMES"]
