"""Batch commands: ``python -m lib import | validate | demo | outcomes | users | uplift``.

Same code path as the Data page (``lib.ingest.importer``). Exit codes: 0 done, 2 refused with a
one-line reason on standard error.
"""
from __future__ import annotations

import argparse
import getpass
import datetime as dt
import sys
import time
from pathlib import Path

import sqlalchemy as sa

import lib.monthly.alerts  # noqa: F401 - evaluates the alert rules after every import (on_import)
from lib.auth import User, acting_as, save_account, users_file
from lib.store.scope import Scope, parse_names
from lib.errors import AppError
from lib.monthly.commands import MONTHLY_COMMANDS, Refused, add_parsers, refusal_text
from lib.monthly.commands import run as run_monthly
from lib.monthly.delivery import DeliveryError
from lib.i18n import surface
from lib.i18n import t_text as t   # a terminal shows text as it is, no markdown
from lib.i18n.errors import error_text
from lib.ingest import IngestError, parse_map_option
from lib.ingest.importer import ImportResult, check_file, store_validated
from lib.ingest.templates import load_template, save_template
from lib.rules.versions import current_rules
from lib.store.schema import FIELDS, REQUIRED_GROUPS, UNIT_FACTORS
from lib.store import StoreError, writer_busy
from lib.pipeline.migrations import open_store

EXIT_OK = 0
EXIT_REFUSED = 2


def _contract_help() -> str:
    required = "; ".join(" or ".join(group) if len(group) < 4 else "spend_m1..m6 or arpu"
                         for group in REQUIRED_GROUPS)
    lines = ["data contract (one row per customer per snapshot):",
             f"  required: {required}; snapshot_date (or --snapshot-date)", "  fields:"]
    lines += [f"    {f.name:<16} {f.doc}" for f in FIELDS]
    lines += ["  any other column is kept and offered as a segment dimension."]
    return "\n".join(lines)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m lib", description="Retention dashboard batch commands.",
        epilog=_contract_help(), formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name, doc in (("import", "validate a snapshot file and store its accepted rows"),
                      ("validate", "dry run: read, map and validate a file; store nothing")):
        sub = commands.add_parser(name, help=doc, description=doc, epilog=_contract_help(),
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
        sub.add_argument("file", type=Path, help="CSV/TXT (UTF-8, GBK, GB18030), XLSX or Parquet")
        sub.add_argument("--snapshot-date", type=_date,
                         help="date for rows without a snapshot_date column (YYYY-MM-DD)")
        sub.add_argument("--map", action="append", default=[], metavar="SOURCE=FIELD",
                         help="correct the auto-mapping: 'Account length=tenure_months@days', "
                              "'Day charge+Eve charge=spend_m1'; repeatable")
        sub.add_argument("--sheet", help="XLSX sheet name (default: the first)")
        sub.add_argument("--tenure-unit", choices=list(UNIT_FACTORS["tenure_months"]),
                         help="unit of the tenure column (default: what its header says, "
                              "else months); the report warns when the values look like "
                              "another unit")
        sub.add_argument("--report", type=Path, help="write the row-level report as CSV here")
        sub.add_argument("--template", metavar="NAME",
                         help="start from the mapping saved as NAME (Data page or "
                              "--save-template) instead of the auto-mapping; --map corrects it; "
                              "refused when the file lacks a column it uses")
        sub.add_argument("--db", help="database URL (default: RETENTION_DB_URL or data/)"
                         + ("" if name == "import" else "; read for --template only"))
        if name == "import":
            sub.add_argument("--save-template", metavar="NAME",
                             help="after the import, save the mapping used as template NAME "
                                  "(a new version when NAME exists)")
            # no default: a quarter's or a lifetime's churn flag read as a month's would
            # multiply the monthly churn rate and the revenue at risk several times over
            window = sub.add_mutually_exclusive_group()
            window.add_argument("--churn-window-months", type=int, metavar="N",
                                help="months over which the churn flag was observed (1 for a "
                                     "monthly export); this or --churn-window-unknown is required")
            window.add_argument("--churn-window-unknown", action="store_true",
                                help="the churn flag's window is not known: store the churn "
                                     "share only, never a monthly rate")
            sub.add_argument("--replace", action="store_true",
                             help="replace snapshots already stored for the same dates")
            sub.add_argument("--workspace", metavar="NAME",
                             help="import into this workspace (created when new); default: "
                                  "the newest own workspace, or the configured store")
            sub.add_argument("--into-demo", action="store_true",
                             help="import into a demo store even so (mixes the file with the demo base)")
            sub.add_argument("--confirm-repeat", action="store_true",
                             help="import a file that looks like the previous snapshot again "
                                  "(same ids, unchanged tenures, the same churners)")
    users = commands.add_parser("users", help="manage local accounts (data/users.toml)")
    users_commands = users.add_subparsers(dest="users_command", required=True)
    add = users_commands.add_parser("add", help="add or replace an account; the password is read "
                                                "from the terminal or, with --password-stdin, standard input")
    add.add_argument("name")
    add.add_argument("--role", choices=["viewer", "analyst", "admin"], default="viewer")
    add.add_argument("--password-stdin", action="store_true")
    add.add_argument("--provinces", default="", metavar="广东,江苏",
                     help="row-level scope: the provinces this account may see (default: all)")
    add.add_argument("--cities", default="", metavar="广州,深圳",
                     help="row-level scope: the cities this account may see (default: all)")
    outcomes = commands.add_parser("outcomes", help="record a call centre's contact outcomes for a call-back plan")
    outcomes.add_argument("file", type=Path, help="CSV/TXT or XLSX: customer id, outcome, date[, manager, offer]")
    outcomes.add_argument("--plan", required=True, help="the call-back plan's id")
    outcomes.add_argument("--map", action="append", default=[], metavar="COLUMN=FIELD",
                          help="correct the auto-mapping, e.g. '回访人=manager'; repeatable")
    outcomes.add_argument("--sheet", help="XLSX sheet name (default: the first)")
    outcomes.add_argument("--report", type=Path, help="write the row-level report as CSV here")
    outcomes.add_argument("--db", help="database URL (default: RETENTION_DB_URL or data/)")
    outcomes.add_argument("--workspace", metavar="NAME",
                          help="the workspace holding the plan (default: the newest own workspace)")
    uplift = commands.add_parser(
        "uplift", help="train an offer's uplift model on its past campaign and score a snapshot",
        description="Train the offer's uplift model on its past randomised campaign (treated and "
                    "control customers, snapshots up to --snapshot) and write, for every active "
                    "customer of the snapshot, customer_id, churn_probability (the newest churn "
                    "model's, empty when the snapshot is not scored) and uplift (predicted churn "
                    "reduction if treated, share 0-1; negative for sleeping dogs). Exit 2 with "
                    "the reason when the model is refused.")
    uplift.add_argument("--offer", required=True, help="the campaign's offer id (offer_id field)")
    uplift.add_argument("--snapshot", type=_date, help="snapshot to score, YYYY-MM-DD (default: the latest)")
    uplift.add_argument("--db", help="database URL (default: RETENTION_DB_URL or data/)")
    uplift.add_argument("--workspace", metavar="NAME",
                        help="the workspace to read (default: the newest own workspace)")
    uplift.add_argument("--out", required=True, type=Path, help="CSV file to write")
    demo = commands.add_parser("demo", help="generate and store the demo customer base")
    demo.add_argument("--customers", type=int, default=100_000, help="active customers (≤10M)")
    demo.add_argument("--snapshots", type=int, default=12, help="monthly snapshots")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--db", help="database URL (default: RETENTION_DB_URL or data/)")
    demo.add_argument("--if-empty", action="store_true",
                      help="do nothing when the database already holds snapshots")
    add_parsers(commands)
    return parser


def _engine(url: str | None) -> sa.Engine:
    """The store's engine; a writer that has to wait for another import or rules change says
    so once on standard error (bound: RETENTION_WRITER_WAIT_SECONDS)."""
    return open_store(url, batch=True,
                       on_wait=lambda seconds: print(t("store_waiting", seconds=seconds),
                                                     file=sys.stderr, flush=True))


def _overrides(options: list[str]) -> dict:
    sources = [parse_map_option(option) for option in options]
    return {source.field: source for source in sources}


def _print_prechecks(engine: sa.Engine, validation, args: argparse.Namespace) -> None:
    """The checks before an import (``lib.pipeline.prechecks``) as warnings on standard output
    (standard error keeps the one-line reason of a refusal)."""
    from lib.pipeline.prechecks import import_prechecks, precheck_text

    rules = current_rules(engine)
    for check in import_prechecks(engine, validation.accepted, validation.sources,
                                  args.snapshot_date, args.churn_window_months, rules):
        print(f"warning: {precheck_text(check, rules)}")


def _print_summary(result, out) -> None:
    print(f"rows read: {result.rows_read}", file=out)
    print(f"rows accepted: {result.rows_accepted}", file=out)
    print(f"rows rejected: {result.rows_rejected}", file=out)
    summary = result.summary()
    for row in summary.iter_rows(named=True):
        print(f"  {row['severity']:<8} {row['rows']:>8}  {row['code']}: {row['message_en']}", file=out)


def _write_report(validation, report: Path | None) -> None:
    """The summary on standard output and, when asked, the row-level report as CSV."""
    _print_summary(validation, sys.stdout)
    if report:
        from lib.ingest import report_csv

        report.write_bytes(report_csv(validation))


def _tier_hint(validation, snapshot_date: dt.date | None, engine: sa.Engine | None) -> None:
    """When the star-tier thresholds in force give this file a VIP share outside the rules'
    band (a file in another currency or scale), say so on stderr with thresholds proposed
    from its spend (``lib.pipeline.proposal``), to save as a new rules version."""
    from lib.rules import default_rules
    from lib.pipeline.proposal import customer_spend, propose_tiers
    from lib.rules.versions import current_rules

    if validation.rows_accepted == 0:
        return
    rules = current_rules(engine) if engine is not None else default_rules()
    proposal = propose_tiers(customer_spend(validation.accepted, snapshot_date), rules)
    if proposal is None or proposal.fits_already:
        return
    bounds = ", ".join(f"{b:g}" for b in proposal.spend_min)
    print(t("cli_tier_hint", share=f"{proposal.current_vip_share:.1%}", bounds=bounds,
            vip_share=f"{proposal.vip_share:.1%}", currency=rules.currency.code), file=sys.stderr)


def _run_file_command(args: argparse.Namespace) -> int:
    if args.command == "import" and args.churn_window_months is None and not args.churn_window_unknown:
        print(t("cli_churn_window_needed"), file=sys.stderr)
        return EXIT_REFUSED
    data = args.file.read_bytes()
    overrides = _overrides(args.map)
    engine: sa.Engine | None = None
    try:
        if args.command == "validate":
            # a dry run reads the store only for a saved mapping
            template = (load_template(_engine(args.db), args.template) if args.template
                        else None)
            validation = check_file(data, args.file.name, overrides, args.snapshot_date,
                                    args.sheet, tenure_unit=args.tenure_unit, template=template)
            result: ImportResult | None = None
            refusal = validation.refusal()
            if refusal is not None:  # the dry run says what the import would do
                raise refusal
        else:
            engine = _import_target(args)
            if engine is None:
                return EXIT_REFUSED
            template = load_template(engine, args.template) if args.template else None
            validation = check_file(data, args.file.name, overrides, args.snapshot_date,
                                    args.sheet, tenure_unit=args.tenure_unit,
                                    rules=current_rules(engine), template=template)
            if not args.confirm_repeat and _repeats(engine, validation, args):
                return EXIT_REFUSED
            _print_prechecks(engine, validation, args)
            result = ImportResult(validation, store_validated(
                engine, validation, args.file.name, snapshot_date=args.snapshot_date,
                churn_window_months=args.churn_window_months, replace=args.replace))
            if args.save_template:
                saved = save_template(engine, args.save_template, validation.headers,
                                      validation.sources)
                print(t("cli_template_saved", name=saved.name, version=saved.version))
    except IngestError as exc:
        if getattr(exc, "check", None) is not None:  # refused after validation: show the rows
            _write_report(exc.check, args.report)
        raise
    _write_report(validation, args.report)
    _tier_hint(validation, args.snapshot_date, engine)
    if result is not None:
        dates = ", ".join(map(str, result.outcome.snapshot_dates))
        print(f"stored snapshot(s) {dates}: {result.outcome.rows_written} rows, "
              f"rules version {result.outcome.rules_version}")
    elif validation.rows_accepted == 0:
        print(t("cli_nothing_valid"), file=sys.stderr)
        return EXIT_REFUSED
    return EXIT_OK


def _import_target(args: argparse.Namespace) -> sa.Engine | None:
    """The engine of the store an import goes to (``--db``, ``--workspace``, else the default
    workspace); None, after a one-line refusal, when it is a demo store and ``--into-demo`` was
    not given."""
    from lib import workspaces

    engine = _engine(_workspace_url(args, create=True))
    if not args.into_demo and workspaces.store_kind(engine) == workspaces.DEMO:
        with engine.connect() as conn:
            marker = workspaces.store_marker(conn)
        print(t("cli_ws_demo_refused", store=engine.url.render_as_string(hide_password=True),
                name=(marker[1] if marker else None) or workspaces.DEMO), file=sys.stderr)
        return None
    return engine


def _workspace_url(args: argparse.Namespace, *, create: bool) -> str | None:
    """The store a command works on: ``--db``, else ``--workspace NAME`` (by name or id;
    created when new and ``create``), else the newest own workspace; None for the configured
    store, as before workspaces."""
    from lib import workspaces

    if args.db is not None:
        return args.db
    if args.workspace:
        chosen = next((w for w in workspaces.list_workspaces()
                       if args.workspace in (w.slug, w.name)), None)
        if chosen is None:
            if not create:
                raise StoreError("ws_unknown", name=args.workspace)
            chosen = workspaces.create_workspace(args.workspace)
            print(t("cli_ws_created", name=chosen.name,
                    store=sa.make_url(chosen.store_url).render_as_string(hide_password=True)))
        return chosen.store_url
    chosen = workspaces.default_workspace(workspaces.list_workspaces())
    return chosen.store_url if chosen else None


def _share_text(share: float | None) -> str:
    return "–" if share is None else f"{share:.0%}"


def _repeats(engine: sa.Engine, validation, args: argparse.Namespace) -> bool:
    """Whether the file looks like the previous snapshot again; says so in one line if it does."""
    from lib.ingest.repeat import repeat_overlap, repeat_thresholds
    from lib.pipeline.derive import derive

    if validation.rows_accepted == 0 or validation.refusal() is not None:
        return False   # the import refuses it anyway, with its own message
    rows = derive(validation.accepted, args.snapshot_date, tenure_unit=validation.tenure_unit)
    with engine.connect() as conn:
        overlap = repeat_overlap(conn, rows)
    if overlap is None or not overlap.repeats(repeat_thresholds(current_rules(engine))):
        return False
    print(t("cli_repeat_refused", file=args.file.name, previous=str(overlap.previous_date),
            ids=_share_text(overlap.ids_share), tenure=_share_text(overlap.unchanged_tenure_share),
            again=_share_text(overlap.churners_again_share)), file=sys.stderr)
    return True


def _run_outcomes(args: argparse.Namespace) -> int:
    from lib.operations.outcomes import auto_map, parse_map_option, read_outcome_file, record_outcome_file

    data = args.file.read_bytes()
    mapping = None
    if args.map:
        mapping = auto_map(list(read_outcome_file(data, args.file.name, sheet=args.sheet).frame.columns))
        mapping.update(dict(parse_map_option(option) for option in args.map))
    from lib.ingest import report_csv

    try:
        result = record_outcome_file(_engine(_workspace_url(args, create=False)), args.plan, data, args.file.name,
                                     mapping=mapping, sheet=args.sheet, source="cli")
    except IngestError as exc:
        if getattr(exc, "check", None) is not None:  # every row refused: show why, store nothing
            _print_summary(exc.check, sys.stdout)
            if args.report:
                args.report.write_bytes(report_csv(exc.check))
        raise
    _print_summary(result.check, sys.stdout)
    if args.report:
        args.report.write_bytes(report_csv(result.check))
    print(t("cli_outcomes_done", plan=result.plan_id, stored=result.stored, rejected=result.check.rows_rejected))
    return EXIT_OK


def _run_users(args: argparse.Namespace) -> int:
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass()
    scope = Scope(parse_names(args.provinces), parse_names(args.cities))
    save_account(args.name, args.role, password, scope=scope)
    print(t("cli_user_saved", name=args.name, role=args.role, path=users_file()))
    print(t("cli_user_scope", scope=scope.describe() or t("alert_whole_base")))
    return EXIT_OK


def _run_demo(args: argparse.Namespace) -> int:
    from lib.demo.seed import seed_demo, store_is_empty

    if not 1 <= args.customers <= 10_000_000:
        print(t("cli_demo_size"), file=sys.stderr)
        return EXIT_REFUSED
    from lib import workspaces
    from lib.demo.seed import DEMO_NAME

    # embedded and without --db: the demo is a workspace of its own (data/demo.duckdb), loaded
    # on the first start only, so a demo the user removed does not come back
    embedded = args.db is None and workspaces.configured_url() is None
    if args.if_empty and embedded and (workspaces.demo_was_seeded() or workspaces.list_workspaces()):
        print(t("cli_demo_seeded_before"))
        return EXIT_OK
    engine = _engine(args.db or workspaces.demo_store_url())
    if args.if_empty and not store_is_empty(engine):
        print(t("cli_demo_skipped"))
        return EXIT_OK
    started = time.perf_counter()
    rows = seed_demo(engine, customers=args.customers, snapshots=args.snapshots, seed=args.seed,
                     report=lambda text: print(text, flush=True))
    if embedded:
        workspaces.register_demo(workspaces.demo_store_url(), DEMO_NAME)
        workspaces.note_demo_seeded()
    print(t("cli_demo_done", rows=rows, seconds=time.perf_counter() - started))
    return EXIT_OK


def _run_uplift(args: argparse.Namespace) -> int:
    from lib.pipeline.snapshots import stored_dates
    from lib.rules.versions import current_rules
    from lib.uplift.fit import uplift_settings
    from lib.uplift.train import score_uplift, train_uplift

    engine = open_store(_workspace_url(args, create=False))
    dates = sorted(stored_dates(engine))
    snapshot = args.snapshot or (dates[-1] if dates else None)
    if snapshot is None or snapshot not in dates:
        print(t("cli_uplift_no_snapshot", snapshot=str(args.snapshot or "")), file=sys.stderr)
        return EXIT_REFUSED
    rules = current_rules(engine)
    with engine.connect() as conn:
        result = train_uplift(conn, args.offer, snapshot, rules)
        if not result.accepted:
            print(t(result.refusal.code, **result.refusal.params), file=sys.stderr)
            return EXIT_REFUSED
        scores = score_uplift(conn, result.fit.model, snapshot, uplift_settings(rules))
    scores.write_csv(args.out)
    print(t("cli_uplift_done", rows=scores.height, offer=args.offer, customers=result.fit.customers,
            treated=result.fit.treated, control=result.fit.control, learner=result.fit.learner,
            snapshot=str(snapshot), out=str(args.out)))
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Shell access to the database is admin access: the batch runs as the OS user, as admin.
    admin = User(getpass.getuser(), "admin")
    with acting_as(admin), surface("cli"):
        return _run(args, admin)


def _run(args: argparse.Namespace, admin: User) -> int:
    try:
        if args.command in MONTHLY_COMMANDS:
            return run_monthly(args, lambda: _engine(_workspace_url(args, create=False)), admin)
        if args.command == "demo":
            return _run_demo(args)
        if args.command == "outcomes":
            return _run_outcomes(args)
        if args.command == "users":
            return _run_users(args)
        if args.command == "uplift":
            return _run_uplift(args)
        return _run_file_command(args)
    except (Refused, DeliveryError) as exc:
        print(refusal_text(exc), file=sys.stderr)
    except AppError as exc:   # ours: the problem and its hint, as plain text
        print(error_text(exc, "en"), file=sys.stderr)
    except OSError as exc:
        print(t("cli_cannot_read", file=str(getattr(exc, "filename", "")), reason=exc.strerror),
              file=sys.stderr)
    except sa.exc.SQLAlchemyError as exc:
        if writer_busy(exc):   # another import or rules change holds the store
            print(t("store_busy"), file=sys.stderr)
            return EXIT_REFUSED
        print(t("cli_database_error", reason=type(getattr(exc, "orig", None) or exc).__name__), file=sys.stderr)
    return EXIT_REFUSED
