"""Sign-in limits (issue 21 item 9): an account or a client that keeps failing is locked for a
while even with the right password, failures are logged without the password, and no more than
four Argon2 verifications (64 MiB each) run at once.

The expected periods are the policy docs/operations.md states, worked by hand here: 5 failures of one
name within 15 minutes lock it for 1 minute, each further failure doubles that (2, 4, 8 min)
up to 15 minutes; 20 failures from one client over any names lock the client the same way.
"""
from __future__ import annotations

import logging
import threading
import time
import tomllib
from pathlib import Path

import pytest
from argon2.exceptions import VerifyMismatchError
from streamlit.testing.v1 import AppTest

from lib import auth

from lib.auth import signin_limits
from lib.auth import User, acting_as, authenticate, client_of, save_account
from lib.auth.signin_limits import SignInLimits, SignInRefused, lockout_seconds

ROOT = Path(__file__).resolve().parents[1]


class FakeClock:
    """Seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def accounts(tmp_path):
    path = tmp_path / "users.toml"
    with acting_as(User("root", "admin")):
        save_account("ann", "analyst", "analyst pass", path)
        save_account("bob", "viewer", "viewer pass", path)
    return path


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def limits(clock):
    return SignInLimits(clock=clock)


def test_the_policy_is_the_documented_one():
    # docs/operations.md, "Sign-in limits and uploads": these are the numbers the hand-worked cases below use
    assert signin_limits.ACCOUNT_MAX_FAILURES == 5
    assert signin_limits.CLIENT_MAX_FAILURES == 20
    assert signin_limits.FAILURE_WINDOW_SECONDS == 15 * 60
    assert (signin_limits.LOCKOUT_SECONDS, signin_limits.LOCKOUT_MAX_SECONDS) == (60, 15 * 60)
    assert signin_limits.MAX_CONCURRENT_VERIFICATIONS == 4
    # failures 1-4 nothing; 5th: 60 s; 6th: 120; 7th: 240; 8th: 480; 9th: 960 -> capped at 900
    assert [lockout_seconds(n, 5) for n in range(1, 10)] == [0, 0, 0, 0, 60, 120, 240, 480, 900]


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(accounts, limits, clock):
    for attempt in range(5):
        assert authenticate("ann", f"guess {attempt}", accounts, limits=limits) is None
        clock.now += 1
    # 5th failure at t=1004 locks until 1064; now t=1005
    with pytest.raises(SignInRefused) as refused:
        authenticate("ann", "analyst pass", accounts, limits=limits)
    assert refused.value.code == "auth_locked" and refused.value.retry_seconds == 59
    clock.now = 1063.5
    with pytest.raises(SignInRefused) as refused:
        authenticate("ann", "analyst pass", accounts, limits=limits)
    assert refused.value.retry_seconds == 1                     # 0.5 s rounded up
    # another account is not affected, from the same (unnamed) client
    assert authenticate("bob", "viewer pass", accounts, limits=limits) == User("bob", "viewer")
    clock.now = 1064
    assert authenticate("ann", "analyst pass", accounts, limits=limits) == User("ann", "analyst")


def test_a_failure_past_the_limit_doubles_the_lockout_and_success_clears_it(accounts, limits, clock):
    for _ in range(5):
        authenticate("ann", "wrong", accounts, limits=limits)  # all at t=1000: locked until 1060
    clock.now = 1060
    assert authenticate("ann", "wrong", accounts, limits=limits) is None   # 6th in the window
    with pytest.raises(SignInRefused) as refused:
        authenticate("ann", "analyst pass", accounts, limits=limits)
    assert refused.value.retry_seconds == 120                    # 1060 + 120 = 1180
    clock.now = 1180
    assert authenticate("ann", "analyst pass", accounts, limits=limits) == User("ann", "analyst")
    # the success forgot the failures: four more wrong ones do not lock
    for _ in range(4):
        assert authenticate("ann", "wrong", accounts, limits=limits) is None
    assert authenticate("ann", "analyst pass", accounts, limits=limits) == User("ann", "analyst")


def test_failures_older_than_the_window_are_forgotten(accounts, limits, clock):
    for _ in range(4):
        authenticate("ann", "wrong", accounts, limits=limits)  # t=1000
    clock.now = 1000 + 15 * 60                                   # exactly 15 min later: expired
    assert authenticate("ann", "wrong", accounts, limits=limits) is None
    assert limits.retry_after("ann", None) == 0                  # 1 failure counted, not 5


@pytest.fixture
def fast_hasher(monkeypatch):
    """Argon2 replaced by a check that takes no memory, counting calls and the most at once."""

    class Counting:
        def __init__(self):
            self.lock = threading.Lock()
            self.running = self.most = self.calls = 0
            self.pause = 0.0

        def _run(self):
            with self.lock:
                self.running += 1
                self.calls += 1
                self.most = max(self.most, self.running)
            time.sleep(self.pause)
            with self.lock:
                self.running -= 1

        def verify(self, stored, password):
            self._run()
            raise VerifyMismatchError("no")

        def hash(self, password):
            self._run()
            return "$argon2id$fake"

    counting = Counting()
    monkeypatch.setattr(auth, "_hasher", counting)
    return counting


def test_one_client_is_locked_across_names_but_others_are_not(accounts, limits, fast_hasher,
                                                              monkeypatch):
    for number in range(20):                                      # 20 names, one try each
        assert authenticate(f"name{number}", "x", accounts, client="10.0.0.7", limits=limits) is None
    with pytest.raises(SignInRefused) as refused:
        authenticate("ann", "analyst pass", accounts, client="10.0.0.7", limits=limits)
    assert refused.value.code == "auth_locked" and refused.value.retry_seconds == 60
    assert fast_hasher.calls == 20                                # none for the refused attempt
    # ann is not locked: from another client her right password lets her in
    monkeypatch.setattr(fast_hasher, "verify", lambda stored, password: True)
    assert authenticate("ann", "analyst pass", accounts, client="10.0.0.8", limits=limits) \
        == User("ann", "analyst")


def test_failures_are_logged_with_name_and_client_never_the_password(accounts, limits, caplog):
    secret = "Sup3r-secret-guess"
    with caplog.at_level(logging.WARNING, logger="retention.auth"):
        for _ in range(5):
            authenticate("ann", secret, accounts, client="192.0.2.10", limits=limits)
        with pytest.raises(SignInRefused):
            authenticate("ann", secret, accounts, client="192.0.2.10", limits=limits)
        authenticate("nobody", secret, accounts, client="192.0.2.11", limits=limits)
    messages = [r.getMessage() for r in caplog.records if r.name == "retention.auth"]
    assert len(messages) == 7                                    # 5 failures, 1 refusal, 1 unknown
    assert all("'ann'" in m and "192.0.2.10" in m for m in messages[:6])
    assert "failures=5" in messages[4] and "locked_for=60s" in messages[4]
    assert "locked" in messages[5] and "retry_in=60s" in messages[5]
    assert "'nobody'" in messages[6] and "192.0.2.11" in messages[6]
    assert not any(secret in m for m in messages)
    assert secret not in caplog.text


def test_forty_simultaneous_sign_ins_verify_at_most_four_at_once(accounts, limits, fast_hasher):
    fast_hasher.pause = 0.1
    start = threading.Barrier(40)
    outcomes: list[object] = []

    def attempt(number: int) -> None:
        start.wait()
        # half real names (verify), half unknown ones (the dummy hash must queue too)
        name = "ann" if number % 2 else f"ghost{number}"
        try:
            outcomes.append(authenticate(name, "wrong", accounts, client=f"c{number}", limits=limits))
        except SignInRefused as refused:
            outcomes.append(refused.code)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # 40 × 0.1 s in slots of 4 is about 1 s, well inside the 10 s wait: everyone was checked
    assert outcomes == [None] * 40 and fast_hasher.calls == 40
    assert fast_hasher.most == 4


def test_a_sign_in_that_waits_too_long_is_told_the_server_is_busy(accounts, limits, fast_hasher,
                                                                  monkeypatch):
    monkeypatch.setattr(signin_limits, "VERIFICATION_WAIT_SECONDS", 0.2)
    fast_hasher.pause = 1.0
    start = threading.Barrier(6)
    codes: list[object] = []

    def attempt(number: int) -> None:
        start.wait()
        try:
            codes.append(authenticate(f"u{number}", "x", accounts, limits=limits))
        except SignInRefused as refused:
            codes.append(refused.code)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # 4 slots busy for 1 s; the other 2 give up after 0.2 s without computing anything
    assert codes.count("auth_busy") == 2 and codes.count(None) == 4
    assert fast_hasher.calls == 4 and fast_hasher.most == 4


def test_the_client_is_the_address_or_the_session(monkeypatch):
    monkeypatch.delenv(auth.TRUSTED_PROXIES_ENV, raising=False)
    assert client_of("203.0.113.5", None, "s1") == "203.0.113.5"
    assert client_of(None, None, "s1") == "session:s1"
    # a forwarded header from an untrusted peer is not believed (anyone can send one)
    assert client_of("203.0.113.5", "198.51.100.1", "s1") == "203.0.113.5"
    monkeypatch.setenv(auth.TRUSTED_PROXIES_ENV, "localhost, 10.0.0.2")
    # the proxy appends the address it saw: the last entry; earlier ones are the client's claim
    assert client_of(None, "1.2.3.4, 198.51.100.1", "s1") == "198.51.100.1"
    assert client_of("10.0.0.2", "198.51.100.9", "s1") == "198.51.100.9"
    assert client_of("203.0.113.5", "198.51.100.1", "s1") == "203.0.113.5"


def test_the_login_form_says_when_to_try_again(accounts, duckdb_url, monkeypatch, clock):
    from lib.rules.versions import current_rules
    from lib.pipeline.snapshots import write_snapshots
    from lib.pipeline.migrations import open_store
    from tests.factories import two_snapshots

    engine = open_store(duckdb_url)
    for frame in two_snapshots():   # a store with data, so the Overview shows its figures
        write_snapshots(engine, frame, rules=current_rules(engine), source_name="hand",
                        churn_window_months=1)
    engine.dispose()
    limits = SignInLimits(clock=clock)
    monkeypatch.setattr(auth, "SIGN_IN_LIMITS", limits)
    monkeypatch.setenv("RETENTION_USERS_FILE", str(accounts))
    monkeypatch.setenv("RETENTION_DB_URL", duckdb_url)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120).run()

    def sign_in(password: str) -> None:
        at.text_input[0].input("ann")
        at.text_input[1].input(password)
        at.button[0].click().run()

    for _ in range(5):
        sign_in("wrong pass")
        assert not at.exception and "not right" in at.error[0].value
    sign_in("analyst pass")                                      # right, but locked
    assert not at.exception and at.text_input[0].label == "User name"
    assert at.error[0].value == ("Too many failed sign-ins for this user name or from this "
                                 "computer. Try again in 60 s.")
    clock.now += 30
    at.session_state["lang"] = "zh"
    at.run()                                                     # the form, now in Chinese
    sign_in("analyst pass")
    assert at.error[0].value == "该用户名或本机登录失败次数过多。请在30 秒后再试。"
    clock.now += 30                                              # the minute is over
    sign_in("analyst pass")
    assert not at.exception and not at.text_input and at.metric      # in: the Overview


def test_upload_limit_is_the_documented_one_and_fits_what_imports_take():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    limit_mb = config["server"]["maxUploadSize"]
    guide = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    assert f"`server.maxUploadSize = {limit_mb}`" in guide
    # The largest text file an import can take: it needs 16 × its size in memory
    # (TEXT_IMPORT_MEMORY_FACTOR), and a read may use at most 8 GiB (WORKER_MEMORY_BYTES):
    # 8192 MiB / 16 = 512 MiB. A bigger upload would only be refused after being held.
    from lib.ingest.read_limits import WORKER_MEMORY_BYTES
    from lib.ingest.readers import TEXT_IMPORT_MEMORY_FACTOR

    assert limit_mb == WORKER_MEMORY_BYTES // TEXT_IMPORT_MEMORY_FACTOR // 2**20 == 512
