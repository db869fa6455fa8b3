"""Each provider's recent uptime: what the hosted gateway reroutes pinned requests on.

A pin (`openai/gpt-4o`) holds unless its provider's uptime is under 90%; then the request is served like
a bare id, the other providers first, unless it sends `X-No-Fallback: true`. Smart routing (bare ids)
tries such providers last. Uptime here is the share of a provider's attempts in the last 5 minutes that
got an answer (any status below 500) rather than a 5xx, a timeout or a connection error, once it has at
least 10 attempts in that window: a couple of failures of a quiet provider do not take it out.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

WINDOW_S = 300.0
MIN_ATTEMPTS = 10
THRESHOLD = 0.9


class Uptime:
    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        *,
        window_s: float = WINDOW_S,
        min_attempts: int = MIN_ATTEMPTS,
        threshold: float = THRESHOLD,
    ) -> None:
        self._clock = clock
        self._window = window_s
        self._min = min_attempts
        self._threshold = threshold
        self._attempts: dict[str, deque[tuple[float, bool]]] = {}
        self._failed: dict[str, int] = {}
        self._down: frozenset[str] = frozenset()
        self._checked = float("-inf")

    def record(self, provider: str, answered: bool) -> None:
        """One attempt's outcome: `answered` is any HTTP status below 500."""
        now = self._clock()
        self._attempts.setdefault(provider, deque()).append((now, answered))
        if not answered:
            self._failed[provider] = self._failed.get(provider, 0) + 1
        self._refresh(provider, now)

    def down(self) -> frozenset[str]:
        """Providers under the threshold now (asked on every request: recomputed at most once a second,
        so attempts that age out of the window bring a provider back without new traffic)."""
        now = self._clock()
        if now - self._checked >= 1.0:
            self._checked = now
            for provider in list(self._attempts):
                self._refresh(provider, now)
        return self._down

    def uptime(self, provider: str) -> float | None:
        """The share answered in the window; None below the minimum number of attempts."""
        attempts = self._attempts.get(provider)
        if not attempts or len(attempts) < self._min:
            return None
        return 1 - self._failed.get(provider, 0) / len(attempts)

    def _refresh(self, provider: str, now: float) -> None:
        attempts = self._attempts[provider]
        while attempts and now - attempts[0][0] > self._window:
            _, answered = attempts.popleft()
            if not answered:
                self._failed[provider] -= 1
        share = self.uptime(provider)
        is_down = share is not None and share < self._threshold
        if is_down != (provider in self._down):
            self._down = self._down | {provider} if is_down else self._down - {provider}
