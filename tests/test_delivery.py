"""Subscriptions and delivery (issue 19): ``python -m lib deliver`` sends each subscriber the
Overview report their account may see, in their language, through a throw-away SMTP server
on 127.0.0.1 started here (aiosmtpd), logs every attempt in the store and never a password.

Base: the hand-made one of tests/test_alerts.py. Expected figures, by hand: active customers
in S2 — whole base 6 (G1–G3, B1–B3), 广东 3 (G1–G3); 上海 has no customer at all, so no alert
can fire there.
"""
from __future__ import annotations

import email
import email.policy
import logging
import socket

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from lib.auth import User, acting_as, save_account
from lib.store.scope import Scope
from lib.cli import main
from lib.pipeline.snapshots import write_snapshots
from lib.rules.versions import current_rules
from lib.pipeline.regrade import save_rules
from lib.store import delivery_log, read_frame
from lib.pipeline.migrations import open_store
from tests.factories import S2, snapshot
from tests.test_alerts import _rules_text, _s1, _s2_rows

PASSWORD = "relay-s3cret-Pw"


class Inbox:
    """An aiosmtpd handler keeping what it received."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server, session, envelope):
        self.recipients.append(list(envelope.rcpt_tos))
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def relay(monkeypatch):
    """A throw-away SMTP server on 127.0.0.1 that accepts the login relay/PASSWORD only."""
    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"relay" \
            and auth_data.password == PASSWORD.encode()
        # handled=False: the server answers 535 itself (a bare failure leaves the client waiting)
        return AuthResult(success=True) if ok else AuthResult(success=False, handled=False)

    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=authenticator,
                            auth_require_tls=False)
    controller.start()
    monkeypatch.setenv("RETENTION_SMTP_URL", f"smtp://127.0.0.1:{port}")
    yield inbox
    controller.stop()


@pytest.fixture
def setup(duckdb_url, tmp_path, monkeypatch):
    engine = open_store(duckdb_url)
    save_rules(engine, _rules_text(engine))
    rules = current_rules(engine)
    write_snapshots(engine, _s1(), rules=rules, source_name="hand", churn_window_months=1)
    write_snapshots(engine, snapshot(S2, _s2_rows()), rules=rules, source_name="hand", churn_window_months=1)
    engine.dispose()
    users = tmp_path / "users.toml"
    with acting_as(User("root", "admin")):
        save_account("gd", "viewer", "gd password", users, scope=Scope(("广东",)))
        save_account("boss", "admin", "boss password", users)
        save_account("sh", "viewer", "sh password", users, scope=Scope(("上海",)))
    subscriptions = tmp_path / "subscriptions.toml"
    subscriptions.write_text(
        '[[subscription]]\nto = "gd@example.com"\nuser = "gd"\nlang = "zh"\n\n'
        '[[subscription]]\nto = "boss@example.com"\nuser = "boss"\nlang = "en"\nonly_on_alert = true\n\n'
        '[[subscription]]\nto = "sh@example.com"\nuser = "sh"\nonly_on_alert = true\n',
        encoding="utf-8")
    monkeypatch.setenv("RETENTION_USERS_FILE", str(users))
    monkeypatch.setenv("RETENTION_SUBSCRIPTIONS_FILE", str(subscriptions))
    return duckdb_url, subscriptions


def _html(message) -> str:
    return next(message.iter_attachments()).get_content()


def _log(url):
    engine = open_store(url)
    frame = read_frame(engine, sa.select(delivery_log.c.recipient, delivery_log.c.status,
                                         delivery_log.c.snapshot_date, delivery_log.c.error)
                       .order_by(delivery_log.c.log_id))
    engine.dispose()
    return frame


def test_each_subscriber_gets_what_their_account_may_see(setup, relay, monkeypatch, capsys, caplog):
    url, _ = setup
    monkeypatch.setenv("RETENTION_SMTP_USER", "relay")
    monkeypatch.setenv("RETENTION_SMTP_PASSWORD", PASSWORD)
    caplog.set_level(logging.DEBUG, logger="retention")   # ours; the server logs its own side
    assert main(["deliver", "--db", url]) == 0
    assert relay.recipients == [["gd@example.com"], ["boss@example.com"]]   # 上海: no alert, skipped
    gd, boss = relay.messages
    assert "2026-10-31" in gd["Subject"] and "客户保有报告" in gd["Subject"]
    gd_page, boss_page = _html(gd), _html(boss)
    assert "在网客户数</td><td class=\"num\">3</td>" in gd_page and "您仅可查看：广东" in gd_page
    assert "Active customers</td><td class=\"num\">6</td>" in boss_page and "You see only" not in boss_page
    assert next(gd.iter_attachments()).get_filename() == "overview_report_zh_2026-10-31.html"
    text = gd.get_body(preferencelist=("plain",)).get_content()
    assert "- 在网客户数: 3" in text and "广东" in text
    log = _log(url)
    assert log["recipient"].to_list() == ["gd@example.com", "boss@example.com", "sh@example.com"]
    assert log["status"].to_list() == ["ok", "ok", "skipped"]
    assert set(log["snapshot_date"].to_list()) == {S2}
    out = capsys.readouterr()
    assert PASSWORD not in out.out + out.err + caplog.text


def test_a_wrong_login_is_logged_without_the_password(setup, relay, monkeypatch, capsys, caplog):
    url, _ = setup
    monkeypatch.setenv("RETENTION_SMTP_USER", "relay")
    monkeypatch.setenv("RETENTION_SMTP_PASSWORD", PASSWORD + "-wrong")
    caplog.set_level(logging.DEBUG, logger="retention")   # ours; the server logs its own side
    assert main(["deliver", "--db", url]) == 2
    assert relay.messages == []
    log = _log(url)
    assert log["status"].to_list() == ["error", "error", "skipped"]
    assert all("SMTPAuthenticationError" in e for e in log["error"].to_list()[:2])
    out = capsys.readouterr()
    text = out.out + out.err + caplog.text + " ".join(e or "" for e in log["error"].to_list())
    assert PASSWORD not in text and "failed for gd@example.com" in out.err


def test_an_unknown_account_fails_alone(setup, relay, capsys):
    url, subscriptions = setup
    subscriptions.write_text(subscriptions.read_text(encoding="utf-8")
                             + '\n[[subscription]]\nto = "x@example.com"\nuser = "nobody"\n', encoding="utf-8")
    assert main(["deliver", "--db", url]) == 2       # the server wants no login here: none given
    assert relay.recipients == [["gd@example.com"], ["boss@example.com"]]
    log = _log(url)
    assert log["status"].to_list()[-1] == "error" and "nobody" in log["error"].to_list()[-1]


def test_delivery_refuses_without_a_relay_or_with_a_bad_file(setup, monkeypatch, capsys):
    url, subscriptions = setup
    monkeypatch.delenv("RETENTION_SMTP_URL", raising=False)
    assert main(["deliver", "--db", url]) == 2
    assert "RETENTION_SMTP_URL" in capsys.readouterr().err
    monkeypatch.setenv("RETENTION_SMTP_URL", "smtp://relay:secret@127.0.0.1:25")
    assert main(["deliver", "--db", url]) == 2
    assert "secret" not in capsys.readouterr().err       # a login in the URL is refused, not echoed
    monkeypatch.setenv("RETENTION_SMTP_URL", "smtp://127.0.0.1:25")
    subscriptions.write_text('[[subscription]]\nuser = "gd"\n', encoding="utf-8")
    assert main(["deliver", "--db", url]) == 2
    assert str(subscriptions) in capsys.readouterr().err
