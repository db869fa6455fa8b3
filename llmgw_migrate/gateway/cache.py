"""The optional response cache: keyed like the gateway's (provider, model, messages, sampling, tools...)."""

from __future__ import annotations

import hashlib
import json
import time
from collections import OrderedDict
from typing import Any

# Request fields that change the answer (the gateway hashes these). `stream` is part of the key: a
# stream is stored as its chunks and replays as a stream, a whole answer as a whole answer.
KEY_FIELDS = (
    "messages",
    "temperature",
    "top_p",
    "max_tokens",
    "frequency_penalty",
    "presence_penalty",
    "tools",
    "tool_choice",
    "response_format",
    "reasoning_effort",
    "reasoning",
    "no_reasoning",
    "n",
    "input",
    "dimensions",
    "encoding_format",
    "stream",
)


def cache_key(kind: str, provider: str, model: str, body: dict[str, Any]) -> str:
    material = {"kind": kind, "provider": provider, "model": model}
    material.update({k: body[k] for k in KEY_FIELDS if k in body})
    raw = json.dumps(material, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


class ResponseCache:
    """An in-memory LRU with a TTL; values are ready-to-send response objects."""

    def __init__(self, ttl: float, max_entries: int = 10_000) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._data: OrderedDict[str, tuple[float, Any]] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self.ttl > 0

    def get(self, key: str) -> Any | None:
        hit = self._data.get(key)
        if hit is None:
            return None
        expires, value = hit
        if expires < time.monotonic():
            del self._data[key]
            return None
        self._data.move_to_end(key)
        return value

    def put(self, key: str, value: Any) -> None:
        self._data[key] = (time.monotonic() + self.ttl, value)
        self._data.move_to_end(key)
        while len(self._data) > self.max_entries:
            self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)
