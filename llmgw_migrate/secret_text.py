"""Masking a known secret value wherever it ended up in a text (a message, a plan field, a driver error)."""

from __future__ import annotations

import re
from collections.abc import Iterable


def mask_secrets(text: str, secrets: Iterable[str]) -> str:
    """`text` with each secret as ***. A short plain word (a password `litellm` or `p`) is masked only
    where it stands alone, so `litellm-chat`, a folder `litellm/` or the word `port` keep their letters;
    anything longer or less word-like is masked wherever it occurs."""
    for secret in sorted(set(secrets), key=len, reverse=True):
        if not secret or secret not in text:
            continue
        if len(secret) >= 12 or not re.fullmatch(r"[A-Za-z]+", secret):
            text = text.replace(secret, "***")
        else:
            text = re.sub(rf"(?<![\w./-]){re.escape(secret)}(?![\w./-])", "***", text)
    return text
