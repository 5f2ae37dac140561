"""``python -m lib score | call-list | report | alerts | deliver``: the monthly run as commands.

Each runs the lib functions its page runs, as the acting user: ``--user NAME`` (an account of
the accounts file, with its role and row-level scope) or, without it, the operating-system
user as admin over the whole base (shell access to the store is admin access). Exit codes:
0 done, 2 refused with a one-line reason on standard error, 3 (alerts) a rule is breached.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from lib import auth
from lib.monthly.base import EXIT_ALERT, EXIT_OK, EXIT_REFUSED, Refused, resolve_snapshot
from lib.auth import PermissionDenied, User
from lib.i18n import t_text as t
from lib.pipeline.snapshots import stored_dates
from lib.rules.versions import current_rules
from lib.store import StoreError
from lib.store.filters import Filters
from lib.errors import AppError

MONTHLY_COMMANDS: frozenset[str] = frozenset({"score", "call-list", "report", "alerts", "deliver"})


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _names(text: str) -> tuple[str, ...]:
    from lib.store.scope import parse_names

    return parse_names(text)


def add_parsers(commands: argparse._SubParsersAction) -> None:
    """Register the monthly commands on ``python -m lib``'s sub-command parser."""
    def common(sub: argparse.ArgumentParser, user: bool = True) -> None:
        sub.add_argument("--db", help="database URL (default: RETENTION_DB_URL or data/)")
        sub.add_argument("--workspace", metavar="NAME",
                         help="the workspace to read (default: the newest own workspace)")
        sub.add_argument("--snapshot", type=_date, help="snapshot date YYYY-MM-DD (default: the latest)")
        if user:
            sub.add_argument("--user", help="run as this account of the accounts file (its role and "
                                            "row-level scope); default: the OS user as admin")
            sub.add_argument("--lang", choices=["en", "zh"], default="en")

    score = commands.add_parser("score", help="score the snapshot with the model in force "
                                              "(training one first when there is none)")
    common(score, user=False)
    score.add_argument("--retrain", action="store_true", help="train a new model first")

    calls = commands.add_parser("call-list", help="write the Action list (masked as the user's role requires)")
    common(calls)
    calls.add_argument("--out", type=Path, required=True, help="FILE.csv or FILE.xlsx")
    calls.add_argument("--bands", default="high", help="risk bands, comma-separated: high,medium,low")
    calls.add_argument("--stages", default="", help="lifecycle stages, comma-separated (default: all)")
    calls.add_argument("--provinces", default="", help="provinces, comma-separated (default: all in scope)")
    calls.add_argument("--tiers", default="", help="star tiers 1-6, comma-separated (default: all)")

    report = commands.add_parser("report", help="write the Overview report (HTML) and figures.json")
    common(report)
    report.add_argument("--out", type=Path, required=True, help="directory to write into")

    alerts = commands.add_parser("alerts", help="evaluate the alert rules; exit 3 when any is breached")
    common(alerts)

    deliver = commands.add_parser("deliver", help="send each subscription's report by e-mail")
    common(deliver, user=False)


def _acting(name: str | None, os_user: User) -> User:
    """The account ``name`` from the accounts file (role and scope), else the OS user."""
    if not name:
        return os_user
    found = auth.user_of(name)
    if found is None:
        raise Refused("cli_user_unknown", name=name, path=auth.users_file())
    return found


def _progress(label: str) -> Callable[[float], None]:
    """A progress callback printing ``label`` and the share done in steps of 10 % on stderr."""
    shown = {-1}

    def report(share: float) -> None:
        step = int(share * 10)
        if step not in shown:
            shown.add(step)
            print(f"{label} {min(step * 10, 100)}%", file=sys.stderr, flush=True)
    return report


def run(args: argparse.Namespace, engine_of: Callable[[], sa.Engine], os_user: User) -> int:
    """Run one monthly command on the store ``engine_of`` opens (``--db``, ``--workspace`` or
    the default workspace); the caller maps our exceptions to exit 2."""
    engine = engine_of()
    if args.command == "score":
        with auth.acting_as(os_user):
            return _score(engine, args)
    if args.command == "deliver":
        from lib.monthly.delivery import deliver_all

        with auth.acting_as(os_user):
            return deliver_all(engine, args.snapshot, out=sys.stdout)
    with auth.acting_as(_acting(args.user, os_user)):
        if args.command == "call-list":
            return _call_list(engine, args)
        if args.command == "report":
            return _report(engine, args)
        return _alerts(engine, args)


def _score(engine: sa.Engine, args: argparse.Namespace) -> int:
    from lib.churn.scores import churn_view, score_snapshot, train_and_score

    date = resolve_snapshot(engine, args.snapshot)
    rules = current_rules(engine)
    with engine.connect() as conn:
        view = churn_view(conn, date)
    usable = view.card is not None and view.card.accepted
    if args.retrain or not usable:
        print(t("cli_retraining" if args.retrain else "cli_training", date=date.isoformat()), flush=True)
        model_id, card = train_and_score(engine, date, rules, progress=_progress("scoring"))
        if not card.accepted:   # kept for the record, as the page does; nothing scored
            raise Refused("churn_refused", model=model_id, reason=t(card.refused or "churn_model_refused"))
        with engine.connect() as conn:
            rows = churn_view(conn, date).scored_rows
    else:
        model_id, card = view.model_id, view.card
        print(t("cli_scoring", date=date.isoformat(), model=model_id), flush=True)
        rows = score_snapshot(engine, model_id, date, rules, progress=_progress("scoring"))
    print(t("cli_scored", rows=rows, date=date.isoformat(), model=model_id))
    m = card.model
    print(t("cli_model_figures", auc=f"{m.roc_auc:.3f}", pr=f"{m.pr_auc:.3f}",
            lift=f"{m.top_decile_lift:.2f}", base=f"{m.base_rate:.1%}", rows=m.rows))
    return EXIT_OK


def _filters(engine: sa.Engine, args: argparse.Namespace, provinces: str = "", tiers: str = "") -> Filters:
    try:
        tier_numbers = tuple(int(x) for x in _names(tiers))
    except ValueError:
        raise Refused("cli_bad_tiers", tiers=tiers) from None
    return Filters(resolve_snapshot(engine, args.snapshot), _names(provinces), tier_numbers)


def _call_list(engine: sa.Engine, args: argparse.Namespace) -> int:
    from lib.churn.actions import BANDS, STAGES, call_list, catalogue_entries, display_frame, export_call_list, offer_names
    from lib.churn.scores import churn_view
    from lib.offers.store import current_catalogue

    suffix = args.out.suffix.lower().lstrip(".")
    if suffix not in ("csv", "xlsx"):
        raise Refused("cli_bad_out", path=str(args.out))
    bands, stages = _names(args.bands), _names(args.stages)
    unknown = [b for b in bands if b not in BANDS] + [s for s in stages if s not in STAGES]
    if unknown:
        raise Refused("cli_bad_choice", values=", ".join(unknown),
                      allowed=", ".join(BANDS + STAGES))
    user = auth.require("export")
    filters = _filters(engine, args, args.provinces, args.tiers)
    rules = current_rules(engine)
    catalogue = catalogue_entries(current_catalogue(engine)[1])
    with engine.connect() as conn:
        if churn_view(conn, filters.snapshot_date).scored_by is None:
            raise Refused("actions_not_scored", snapshot=filters.snapshot_date.isoformat())
        calls = call_list(conn, filters, rules, bands, stages, catalogue)
    see = user.can("see_identifiers")
    frame = display_frame(calls, rules, args.lang, see, offer_names(catalogue, args.lang))
    data = export_call_list(engine, frame, suffix, filters.snapshot_date, not see)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    print(t("cli_call_list_done", rows=frame.height, path=str(args.out)))
    return EXIT_OK


def write_report(engine: sa.Engine, filters: Filters, lang: str, out: Path) -> tuple[Path, Path]:
    """Write the Overview report (the page's download, under its name) and
    ``figures.json`` into ``out``, for the acting user; return both paths."""
    from lib.monthly.figures import headline_figures, overview_report
    from lib.overview.report import report_file_name

    rules = current_rules(engine)
    with engine.connect() as conn:
        view, page = overview_report(conn, filters, rules, lang)
    figures = headline_figures(engine, filters, rules, view)
    from lib.monthly.alerts import evaluate

    figures["alerts"] = [b.as_dict() for b in evaluate(engine, filters.snapshot_date, rules)]
    out.mkdir(parents=True, exist_ok=True)
    html_path = out / report_file_name(lang, filters.snapshot_date)   # the page's download name
    json_path = out / "figures.json"
    html_path.write_text(page, encoding="utf-8")
    json_path.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
    return html_path, json_path


def _report(engine: sa.Engine, args: argparse.Namespace) -> int:
    html_path, json_path = write_report(engine, _filters(engine, args), args.lang, args.out)
    print(t("cli_report_done", html=str(html_path), json=str(json_path)))
    return EXIT_OK


def _alerts(engine: sa.Engine, args: argparse.Namespace) -> int:
    from lib.monthly.alerts import breach_line, evaluate, record_evaluation

    date = resolve_snapshot(engine, args.snapshot)
    rules = current_rules(engine)
    breaches = evaluate(engine, date, rules)
    try:
        record_evaluation(engine, date, rules, breaches, "command")
    except StoreError as exc:   # a read-only store (Spark) answers but keeps no log
        if exc.code != "store_spark_read_only":
            raise
    for breach in breaches:
        print(breach_line(breach, args.lang, rules))
    if not breaches:
        print(t("alert_none", args.lang, date=date.isoformat()))
    return EXIT_ALERT if breaches else EXIT_OK


def refusal_text(exc: Exception) -> str:
    """The one-line reason of a refusal in English (the code itself if its text needs fields
    the refusal does not carry)."""
    try:
        return t(exc.code, **exc.params)
    except (KeyError, IndexError):
        return exc.code
