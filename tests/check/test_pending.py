"""LGM200 from check: one finding per changed block, saying what would change, never a secret."""

from __future__ import annotations

import pytest

from llmgw_migrate.check.pending import describe, hunks, pending_findings, redact


def test_one_finding_per_block_with_old_line_numbers() -> None:
    old = "import openai\n\nc = openai.OpenAI(base_url='http://localhost:4000')\nx = 1\nm = 'gpt-4'\n"
    new = (
        "import openai\n\nc = openai.OpenAI(base_url='https://api.llmgateway.io/v1')\n"
        "x = 1\nm = 'openai/gpt-4o'\n"
    )
    found = pending_findings("app.py", old, new)
    assert [(f.code, f.file, f.line, f.column) for f, _ in found] == [
        ("LGM200", "app.py", 3, 1),
        ("LGM200", "app.py", 5, 1),
    ]
    assert (
        found[0][0].message
        == "`code --write` would change `http://localhost:4000` to `https://api.llmgateway.io/v1`"
    )
    assert found[1][0].message == "`code --write` would change `gpt-4` to `openai/gpt-4o`"
    assert found[0][0].severity.value == "warning"


def test_context_moves_with_the_code() -> None:
    old1 = "x = 'http://localhost:4000'\n"
    old2 = "\n\n\nx = 'http://localhost:4000'\n"
    new1 = "x = 'https://api.llmgateway.io/v1'\n"
    new2 = "\n\n\nx = 'https://api.llmgateway.io/v1'\n"
    ((f1, c1),) = pending_findings("a.py", old1, new1)
    ((f2, c2),) = pending_findings("a.py", old2, new2)
    assert (f1.line, f2.line) == (1, 4)
    assert c1 == c2


def test_unchanged_text_has_no_findings() -> None:
    assert pending_findings("a.py", "x = 1\n", "x = 1\n") == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("a\nb\n", "a\n", "would remove 1 line(s) starting `b`"),
        ("a\n", "a\nb\nc\n", "would insert 2 line(s) starting `b`"),
        ("a\nb\nc\n", "a\nX\nY\nZ\n", "would replace 2 line(s) starting `b` with 3 starting `X`"),
    ],
)
def test_multi_line_blocks(old: str, new: str, expected: str) -> None:
    (h,) = hunks(old, new)
    assert expected in describe(h)


@pytest.mark.parametrize(
    "secret",
    [
        "sk-proj-abcdefghijklmnop1234",
        "llmgtwy_0123456789abcdefghij",
        "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9",
        "0123456789abcdef0123456789abcdef",
    ],
)
def test_secret_literals_never_reach_the_message(secret: str) -> None:
    old = f"client = OpenAI(base_url='http://localhost:4000', api_key='{secret}')\n"
    new = (
        "client = OpenAI(base_url='https://api.llmgateway.io/v1', "
        "api_key=os.environ['LLM_GATEWAY_API_KEY'])\n"
    )
    ((finding, _),) = pending_findings("a.py", old, new)
    assert secret not in finding.message
    assert secret[:12] not in finding.message
    assert "***" in finding.message


@pytest.mark.parametrize(
    "text",
    [
        "anthropic.claude-3-7-sonnet-20250219-v1:0",
        "LLM_GATEWAY_API_KEY",
        "https://api.llmgateway.io/v1",
        "text-embedding-3-large",
        "gemini-2.5-pro-preview-05-06",
    ],
)
def test_redact_keeps_ordinary_names(text: str) -> None:
    assert redact(text) == text


def test_bearer_tokens_are_masked() -> None:
    assert redact("Authorization: Bearer abc.def-ghi") == "Authorization: Bearer ***"


def test_long_lines_are_shortened() -> None:
    old = "x = '" + "x" * 200 + "'\n"
    new = "x = '" + "y" * 200 + "'\n"
    ((finding, _),) = pending_findings("a.py", old, new)
    assert len(finding.message) < 200
    assert "…" in finding.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("OPENAI_API_KEY=sk-1", "OPENAI_API_KEY=***"),
        ('export LITELLM_MASTER_KEY="sk-1234"', 'export LITELLM_MASTER_KEY="***"'),
        ("password: hunter2", "password: ***"),
        ("my-token: abc", "my-token: ***"),
        ('api_key=os.environ["X"]', 'api_key=os.environ["X"]'),
        ("KEY=${FOO}", "KEY=${FOO}"),
        ("monkey = 3", "monkey = 3"),
        ("max_tokens = 5", "max_tokens = 5"),
    ],
)
def test_values_of_secret_names_are_masked(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "$LITELLM_BASE_URL/v1/chat/completions",
        "${LLM_GATEWAY_BASE_URL}/chat/completions",
        "MyServiceClient2Factory",
    ],
)
def test_paths_and_names_are_not_mistaken_for_keys(text: str) -> None:
    assert redact(text) == text
