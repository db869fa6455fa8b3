"""The LiteLLM proxy's own files, which are not client connections (issue 11, precision).

- A process file that launches it (supervisor's `command = litellm --config ...`, systemd's `ExecStart=`)
  sets its master key for the proxy itself: connections/collect.py takes no master-key part from it, so
  it does not join (or hold, being a file `code` does not rewrite) a client connection. (Its config's
  `master_key: os.environ/LITELLM_MASTER_KEY` stays a part: it ties the docs that send that key to it.)
- An env file that sets LITELLM_MASTER_KEY is the proxy's: the provider keys beside it (OPENAI_API_KEY)
  are its upstream keys, not a client's, unless the file also points a provider's base URL variable
  somewhere (then the OpenAI SDK reads that key as a client).
"""

from __future__ import annotations

import re

_LAUNCH_RE = re.compile(r"^[ \t]*(?:command|ExecStart)[ \t]*=.*\blitellm\b", re.MULTILINE)
_MASTER_DEFINED_RE = re.compile(
    r"^[ \t]*(?:export[ \t]+)?(?:[A-Z][A-Z0-9]*_)*LITELLM_MASTER_KEY[ \t]*=", re.MULTILINE
)
_PROVIDER_BASE_RE = re.compile(
    r"^[ \t]*(?:export[ \t]+)?(?:OPENAI|ANTHROPIC|AZURE_OPENAI)_(?:API_)?BASE(?:_URL)?[ \t]*=", re.MULTILINE
)
# Keys a provider issues (the proxy's upstream credentials when its own env file sets them).
PROVIDER_KEYS = frozenset({"OPENAI_API_KEY", "OPENAI_KEY", "ANTHROPIC_API_KEY", "AZURE_OPENAI_API_KEY"})


def launches_proxy(text: str) -> bool:
    """A process file that launches the proxy (supervisor's `command = litellm ...`, systemd)."""
    return bool(_LAUNCH_RE.search(text))


def upstream_keys(text: str) -> frozenset[str]:
    """The provider key names that are the proxy's upstream keys in this env file (else none)."""
    if _MASTER_DEFINED_RE.search(text) and not _PROVIDER_BASE_RE.search(text):
        return PROVIDER_KEYS
    return frozenset()
