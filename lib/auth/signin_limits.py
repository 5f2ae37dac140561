"""Limits on signing in: failed attempts per account and per client, and concurrent verifications.

A password check is Argon2id at 64 MiB of memory (argon2-cffi's default ``memory_cost``): 40
simultaneous wrong logins held 1.8 GB, and nothing slowed a guesser down. So

- an account name that fails ``ACCOUNT_MAX_FAILURES`` times within ``FAILURE_WINDOW_SECONDS`` is
  locked for ``LOCKOUT_SECONDS``, doubled at every further failure up to ``LOCKOUT_MAX_SECONDS``;
  while locked even the right password is refused, and no hash is computed;
- a client (its address, or its browser session when there is no address) that fails
  ``CLIENT_MAX_FAILURES`` times within the window, whatever names it tries, is locked the same way;
- at most ``MAX_CONCURRENT_VERIFICATIONS`` Argon2 computations run at once; a sign-in that waits
  more than ``VERIFICATION_WAIT_SECONDS`` for its turn is told the server is busy.

Names that do not exist are counted like real ones, so a lockout tells nothing about which
names exist. A successful sign-in clears its account's failures (not its client's). The limits
are these constants, in this one place; the state is in this process's memory (one server
process serves every session; a restart forgets it).
"""
from __future__ import annotations

import contextlib
import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from lib.errors import AppError

#: Failures an account name may have within the window before it is locked.
ACCOUNT_MAX_FAILURES = 5
#: Failures one client may have within the window, over all the names it tries.
CLIENT_MAX_FAILURES = 20
#: Seconds over which failures are counted (older ones are forgotten).
FAILURE_WINDOW_SECONDS = 15 * 60
#: Seconds of the first lockout; each further failure past the limit doubles it, up to the cap.
LOCKOUT_SECONDS = 60
LOCKOUT_MAX_SECONDS = 15 * 60
#: Argon2 verifications at once (64 MiB each: 4 hold 256 MiB).
MAX_CONCURRENT_VERIFICATIONS = 4
#: Seconds a sign-in waits for a verification slot before it is told to try again.
VERIFICATION_WAIT_SECONDS = 10.0
#: Names and clients tracked at most; the least recently failed are forgotten first, so a spray
#: of random names cannot grow the server's memory without bound.
MAX_TRACKED = 10_000


class SignInRefused(AppError):
    """A sign-in not attempted; ``code`` for lib.i18n, ``retry_seconds`` (whole seconds) until
    the next try is allowed (the sign-in form words it as the template's ``wait``)."""

    def __init__(self, code: str, retry_seconds: int) -> None:
        super().__init__(code, {"retry_seconds": retry_seconds})

    @property
    def retry_seconds(self) -> int:
        return int(self.params["retry_seconds"])


@dataclass
class _Failures:
    # bounded: past the limit every attempt is refused unchecked, and the lockout is capped long before
    times: deque[float] = field(default_factory=lambda: deque(maxlen=64))
    locked_until: float = 0.0


def lockout_seconds(failures: int, limit: int) -> float:
    """Seconds locked after the ``failures``-th failure within the window; 0 below ``limit``.

    The ``limit``-th failure locks for ``LOCKOUT_SECONDS``, each one after it doubles that,
    capped at ``LOCKOUT_MAX_SECONDS``.
    """
    if failures < limit:
        return 0.0
    return float(min(LOCKOUT_SECONDS * 2 ** min(failures - limit, 32), LOCKOUT_MAX_SECONDS))


class SignInLimits:
    """Failed sign-ins per account name and per client, and the verification slots (thread-safe).

    Parameters
    ----------
    clock
        Seconds from any fixed origin (``time.monotonic``); tests pass a fake one.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._failures: OrderedDict[tuple[str, str], _Failures] = OrderedDict()
        self._slots = threading.BoundedSemaphore(MAX_CONCURRENT_VERIFICATIONS)

    def retry_after(self, account: str, client: str | None) -> int:
        """Whole seconds until ``account`` (and ``client``, when known) may try again; 0 = now."""
        now = self.clock()
        with self._lock:
            waits = [self._entry_wait(("account", account), now)]
            if client is not None:
                waits.append(self._entry_wait(("client", client), now))
        return math.ceil(max(waits))

    def record_failure(self, account: str, client: str | None) -> int:
        """Count a failed sign-in; the whole seconds the account or client is now locked (0 = not)."""
        now = self.clock()
        with self._lock:
            waits = [self._fail(("account", account), ACCOUNT_MAX_FAILURES, now)]
            if client is not None:
                waits.append(self._fail(("client", client), CLIENT_MAX_FAILURES, now))
        return math.ceil(max(waits))

    def record_success(self, account: str) -> None:
        """Forget ``account``'s failures (its owner knew the password)."""
        with self._lock:
            self._failures.pop(("account", account), None)

    def failures(self, account: str) -> int:
        """Failures of ``account`` within the window (for the log)."""
        now = self.clock()
        with self._lock:
            entry = self._failures.get(("account", account))
            return len(self._trim(entry, now).times) if entry else 0

    @contextlib.contextmanager
    def verification_slot(self) -> Iterator[None]:
        """Hold one of the ``MAX_CONCURRENT_VERIFICATIONS`` slots for an Argon2 computation;
        ``SignInRefused("auth_busy")`` after ``VERIFICATION_WAIT_SECONDS`` without one."""
        if not self._slots.acquire(timeout=VERIFICATION_WAIT_SECONDS):
            raise SignInRefused("auth_busy", math.ceil(VERIFICATION_WAIT_SECONDS))
        try:
            yield
        finally:
            self._slots.release()

    # ------------------------------------------------------------------ under self._lock

    def _trim(self, entry: _Failures, now: float) -> _Failures:
        while entry.times and entry.times[0] <= now - FAILURE_WINDOW_SECONDS:
            entry.times.popleft()
        return entry

    def _entry_wait(self, key: tuple[str, str], now: float) -> float:
        entry = self._failures.get(key)
        return max(0.0, entry.locked_until - now) if entry else 0.0

    def _fail(self, key: tuple[str, str], limit: int, now: float) -> float:
        entry = self._failures.pop(key, None) or _Failures()
        self._failures[key] = entry            # most recently failed last
        while len(self._failures) > MAX_TRACKED:
            self._failures.popitem(last=False)
        self._trim(entry, now).times.append(now)
        locked = lockout_seconds(len(entry.times), limit)
        if locked:
            entry.locked_until = max(entry.locked_until, now + locked)
        return max(0.0, entry.locked_until - now)
