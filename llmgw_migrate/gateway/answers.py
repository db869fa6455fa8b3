"""The shape a 2xx upstream answer must have before it is answered (and charged) as a success.

An answer of `{}`, `{"choices": null}` or an embeddings list without vectors is a broken upstream, not a
success: the forwarder turns it into 502 (after trying the route's other providers), with no cost.
"""

from __future__ import annotations

import uuid
from typing import Any

from llmgw_migrate.gateway.providers.base import InvalidAnswer


def check_chat(out: dict[str, Any]) -> None:
    choices = out.get("choices")
    if not isinstance(choices, list) or not choices:
        raise InvalidAnswer("no choices in the answer")
    for choice in choices:
        if not isinstance(choice, dict) or not isinstance(choice.get("message"), dict):
            raise InvalidAnswer("a choice without a message object")
        content = choice["message"].get("content")
        if content is not None and not isinstance(content, (str, list)):
            raise InvalidAnswer("a message content that is not text")
    if not isinstance(out.get("id"), str) or not out["id"]:
        out["id"] = "chatcmpl-" + uuid.uuid4().hex  # some servers omit it; the answer is still whole
    if not isinstance(out.get("usage"), dict):
        out.pop("usage", None)


def check_embeddings(out: dict[str, Any]) -> None:
    data = out.get("data")
    if not isinstance(data, list) or not data:
        raise InvalidAnswer("no data in the embeddings answer")
    for item in data:
        if not isinstance(item, dict) or not isinstance(item.get("embedding"), (list, str)):
            raise InvalidAnswer("an embeddings item without a vector")
    if not isinstance(out.get("usage"), dict):
        out.pop("usage", None)
