"""Subscriptions and their delivery by e-mail: ``python -m lib deliver``.

``data/subscriptions.toml`` (``RETENTION_SUBSCRIPTIONS_FILE`` overrides the path)::

    [[subscription]]
    to = "zhang.wei@example.com"
    user = "gd_manager"        # an account of the accounts file: its role and row-level scope
    lang = "zh"                # en | zh
    only_on_alert = true       # optional: send only when an alert rule is breached

Each subscription gets the Overview report (the page's download, built by
``lib.monthly.figures.overview_report`` as that user) as an HTML attachment with its KPIs in
the text body, in its language, through the relay ``RETENTION_SMTP_URL`` (``smtp://host:port``). STARTTLS
and a login are optional: ``RETENTION_SMTP_STARTTLS``, ``RETENTION_SMTP_USER``,
``RETENTION_SMTP_PASSWORD``, ``RETENTION_SMTP_FROM`` in the environment, else the ``[smtp]``
table (``starttls``, ``user``, ``password``, ``from``) of ``.streamlit/secrets.toml``. Every
attempt goes to the store's delivery log (when, to whom, snapshot, ok / skipped / error);
neither the log nor any message ever carries the password.
"""
from __future__ import annotations

import datetime as dt
import os
import smtplib
import sys
import tomllib
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

import sqlalchemy as sa

from lib import DATA_DIR, auth
from lib.monthly.base import EXIT_OK, EXIT_REFUSED, resolve_snapshot
from lib.i18n import t_text as t
from lib.overview.report import report_file_name
from lib.store import delivery_log, now
from lib.store.filters import Filters
from lib.errors import AppError

SUBSCRIPTIONS_ENV = "RETENTION_SUBSCRIPTIONS_FILE"
SMTP_URL_ENV = "RETENTION_SMTP_URL"
DEFAULT_SUBSCRIPTIONS_FILE = DATA_DIR / "subscriptions.toml"
SECRETS_FILE = Path(".streamlit") / "secrets.toml"
LANGS = ("en", "zh")


class DeliveryError(AppError):
    """Delivery cannot start (no relay, unusable subscriptions file); ``code``/``params`` for i18n."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code, params)


@dataclass(frozen=True)
class Subscription:
    to: str
    user: str
    lang: str = "en"
    only_on_alert: bool = False


@dataclass(frozen=True)
class Relay:
    """The SMTP relay: host, port, STARTTLS, optional login; ``sender`` the From address."""

    host: str
    port: int
    starttls: bool = False
    user: str | None = None
    password: str | None = None
    sender: str = "retention-dashboard@localhost"

    def __repr__(self) -> str:   # never show the password, even in a traceback's locals
        return f"Relay({self.host}:{self.port}, starttls={self.starttls}, user={self.user!r})"


def subscriptions_file() -> Path:
    return Path(os.environ.get(SUBSCRIPTIONS_ENV) or DEFAULT_SUBSCRIPTIONS_FILE)


def load_subscriptions(path: Path | None = None) -> list[Subscription]:
    """The ``[[subscription]]`` entries; ``DeliveryError("deliver_bad_file")`` naming the file
    and the fault when it is missing, not TOML or an entry lacks ``to``/``user`` or has an
    unknown language."""
    path = path or subscriptions_file()
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise DeliveryError("deliver_bad_file", path=str(path), detail=str(exc)) from None
    entries = doc.get("subscription", [])
    if not isinstance(entries, list):
        raise DeliveryError("deliver_bad_file", path=str(path), detail="use [[subscription]] tables")
    found = []
    for number, entry in enumerate(entries, start=1):
        to, user = str(entry.get("to") or "").strip(), str(entry.get("user") or "").strip()
        lang = entry.get("lang", "en")
        if not to or "@" not in to or not user:
            raise DeliveryError("deliver_bad_file", path=str(path),
                                detail=f"[[subscription]] {number} needs to = an address and user")
        if lang not in LANGS:
            raise DeliveryError("deliver_bad_file", path=str(path),
                                detail=f"[[subscription]] {number}: lang must be en or zh")
        found.append(Subscription(to, user, lang, bool(entry.get("only_on_alert", False))))
    return found


def _secrets() -> dict:
    """The ``[smtp]`` table of Streamlit's secrets file, {} when there is none."""
    for path in (SECRETS_FILE, Path.home() / SECRETS_FILE):
        try:
            return dict(tomllib.loads(path.read_text(encoding="utf-8")).get("smtp", {}))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue
    return {}


def _flag(text: object) -> bool:
    return str(text).strip().lower() in {"1", "true", "yes", "on"}


def relay_from_env() -> Relay:
    """The relay of ``RETENTION_SMTP_URL`` with STARTTLS, login and sender from the
    environment, else Streamlit's secrets."""
    url = os.environ.get(SMTP_URL_ENV, "").strip()
    if not url:
        raise DeliveryError("deliver_no_smtp")
    parts = urlsplit(url)
    try:
        port = parts.port or 25
    except ValueError:
        port = None
    if parts.scheme != "smtp" or not parts.hostname or port is None or parts.username:
        # a login in the URL would end up in shell histories and process lists: refused
        raise DeliveryError("deliver_bad_smtp", url=f"{parts.scheme}://{parts.hostname}")
    secrets = _secrets()

    def setting(name: str, key: str) -> str | None:
        value = os.environ.get(f"RETENTION_SMTP_{name}")
        return value if value not in (None, "") else (str(secrets[key]) if key in secrets else None)

    return Relay(parts.hostname, port, _flag(setting("STARTTLS", "starttls") or ""),
                 setting("USER", "user"), setting("PASSWORD", "password"),
                 setting("FROM", "from") or "retention-dashboard@localhost")


def _redact(text: str, relay: Relay) -> str:
    """An error's text without the password (servers may echo what they were sent)."""
    return text.replace(relay.password, "***") if relay.password else text


def kpi_lines(view, lang: str, currency=None) -> list[str]:
    """The Overview's KPI cards as text lines: name, value, target and whether it is met."""
    from lib.common import fmt

    lines = []
    for kpi in view.kpis:
        line = f"- {t(kpi.key, lang)}: {fmt.number(kpi.value, kpi.unit, lang, currency)}"
        if kpi.target is not None:
            sign = "≥" if kpi.target_kind == "min" else "≤"
            state = {True: t("kpi_on_target", lang), False: t("kpi_missed", lang), None: ""}[kpi.meets_target]
            line += f" ({sign} {fmt.number(kpi.target, kpi.unit, lang, currency)} {state})".replace(" )", ")")
        lines.append(line)
    return lines


def message_for(subscription: Subscription, page: str, date: dt.date, alerts: int,
                scope_text: str, sender: str, summary: list[str] = ()) -> EmailMessage:
    """The e-mail: a text body (what it is, whose scope, the KPI lines) and the report, the
    Overview page's self-contained download, as an HTML attachment (once: it carries its
    charts' script, a few MB; mail readers run no script in a message body anyway)."""
    lang = subscription.lang
    message = EmailMessage()
    message["From"], message["To"] = sender, subscription.to
    message["Subject"] = (t("deliver_subject_alert", lang, date=date.isoformat(), n=alerts) if alerts
                          else t("deliver_subject", lang, date=date.isoformat()))
    message.set_content("\n".join([t("deliver_body", lang, date=date.isoformat(), scope=scope_text),
                                    "", *summary]))
    message.add_attachment(page, subtype="html", filename=report_file_name(lang, date))
    return message


def send(relay: Relay, message: EmailMessage) -> None:
    """One message through the relay (STARTTLS and login when configured)."""
    with smtplib.SMTP(relay.host, relay.port, timeout=30) as smtp:
        if relay.starttls:
            smtp.starttls()
        if relay.user:
            smtp.login(relay.user, relay.password or "")
        smtp.send_message(message)


def _log(engine: sa.Engine, subscription: Subscription, date: dt.date | None, status: str,
         error: str | None) -> None:
    with engine.begin() as conn:
        conn.execute(sa.insert(delivery_log).values(
            sent_at=now(), recipient=subscription.to, user_name=subscription.user,
            lang=subscription.lang, snapshot_date=date, status=status, error=error))


def deliver_one(engine: sa.Engine, relay: Relay, subscription: Subscription, date: dt.date) -> str:
    """Build the subscription's report as its user and send it; returns "ok" or "skipped".
    Raises what building or sending raised (the caller logs it)."""
    from lib.monthly.alerts import evaluate
    from lib.monthly.figures import overview_report
    from lib.rules.versions import current_rules

    user = auth.user_of(subscription.user)
    if user is None:
        raise DeliveryError("cli_user_unknown", name=subscription.user, path=auth.users_file())
    rules = current_rules(engine)
    with auth.acting_as(user):
        breaches = evaluate(engine, date, rules)
        if subscription.only_on_alert and not breaches:
            return "skipped"
        with engine.connect() as conn:
            view, page = overview_report(conn, Filters(date), rules, subscription.lang)
    scope_text = (t("scope_whole_base", subscription.lang) if user.scope.whole_base
                  else t("scope_limited", subscription.lang, scope=user.scope.describe()))
    send(relay, message_for(subscription, page, date, len(breaches), scope_text, relay.sender,
                            kpi_lines(view, subscription.lang, rules.currency)))
    return "ok"


def _error_text(exc: Exception, relay: Relay) -> str:
    code = getattr(exc, "code", None)
    if isinstance(code, str) and hasattr(exc, "params"):
        try:
            return _redact(t(code, **exc.params), relay)
        except (KeyError, IndexError):
            return code
    return _redact(f"{type(exc).__name__}: {exc}", relay)[:500]


def deliver_all(engine: sa.Engine, snapshot: dt.date | None, out: TextIO = sys.stdout) -> int:
    """Send every subscription's report for ``snapshot`` (default: the latest); one line per
    subscription and a summary. Exit code: 0 when none failed, 2 otherwise."""
    relay = relay_from_env()
    subscriptions = load_subscriptions()
    date = resolve_snapshot(engine, snapshot)
    counts = {"ok": 0, "skipped": 0, "error": 0}
    for subscription in subscriptions:
        try:
            status = deliver_one(engine, relay, subscription, date)
            error = None
        except Exception as exc:   # one bad recipient or relay hiccup must not stop the others
            status, error = "error", _error_text(exc, relay)
        _log(engine, subscription, date, status, error)
        counts[status] += 1
        line = {"ok": t("deliver_sent", to=subscription.to, user=subscription.user,
                        lang=subscription.lang, date=date.isoformat()),
                "skipped": t("deliver_skipped", to=subscription.to, date=date.isoformat()),
                "error": t("deliver_failed", to=subscription.to, error=error)}[status]
        print(line, file=out if status != "error" else sys.stderr, flush=True)
    print(t("deliver_summary", sent=counts["ok"], skipped=counts["skipped"], failed=counts["error"]),
          file=out)
    return EXIT_REFUSED if counts["error"] else EXIT_OK
