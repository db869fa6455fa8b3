"""LiteLLM budget durations -> the gateway's period (value, unit), following keys-and-teams.md sec. 8.

LiteLLM resets windows on calendar boundaries; gateway windows roll from first use, so every mapped
duration is approximate. Seconds and minutes have no gateway equivalent (its minimum is one hour).
"""

from __future__ import annotations

import dataclasses
import functools
import re

_ALIASES = {"hourly": "1h", "daily": "24h", "weekly": "7d", "monthly": "30d"}
_PATTERN = re.compile(r"^\s*(\d+)\s*(s|m|h|d|w|mo)\s*$")
MAXIMA = {"hour": 8760, "day": 365, "week": 52, "month": 12}
HOURS = {"hour": 1, "day": 24, "week": 168, "month": 730}


@dataclasses.dataclass(frozen=True, slots=True)
class Period:
    value: int
    unit: str  # hour | day | week | month

    def hours(self) -> int:
        return self.value * HOURS[self.unit]


@functools.lru_cache(maxsize=1024)  # a proxy uses a handful of durations across all its keys
def parse(duration: str) -> Period | str:
    """The gateway period for a LiteLLM duration, or the reason there is none."""
    text = _ALIASES.get(duration.strip().lower(), duration.strip().lower())
    match = _PATTERN.match(text)
    if not match:
        return f"'{duration}' is not a LiteLLM duration"
    n, unit = int(match.group(1)), match.group(2)
    if n <= 0:
        return f"'{duration}' is not a positive duration"
    if unit in ("s", "m"):
        return f"'{duration}' is shorter than the gateway's one-hour minimum"
    if unit == "h":
        period = Period(n // 24, "day") if n % 24 == 0 and n // 24 <= MAXIMA["day"] else Period(n, "hour")
    elif unit == "d":
        if n == 30:
            period = Period(1, "month")
        elif n % 7 == 0:
            period = Period(n // 7, "week")
        else:
            period = Period(n, "day")
    elif unit == "w":
        period = Period(n, "week")
    else:
        period = Period(n, "month")
    if period.value > MAXIMA[period.unit]:
        return f"'{duration}' is longer than the gateway's maximum of {MAXIMA[period.unit]} {period.unit}s"
    return period


@functools.lru_cache(maxsize=4096)  # budgets repeat across keys
def money(value: float) -> str:
    """A USD amount as the master API's decimal string (^\\d+(\\.\\d+)?$); negatives become 0."""
    if value <= 0:
        return "0"
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text or "0"
