"""Secret values never reach what `code` and `check` print (diffs, reports, findings), in any format;
`--write` still writes the real text, and `--show-secrets` gives a diff `git apply` can take."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from llmgw_migrate.codemods.secret_mask import mask_shown
from tests.code.test_cli import run

KEY = "sk-live-4f9Qx7TzR2mWb8Kp1Lc3"
SECRETS = (KEY, "4f9Qx7TzR2mWb8Kp1Lc3", "s3cr3t-master-pw-778")


def _repo(tmp_path: Path) -> Path:
    (tmp_path / ".env").write_text(
        f"LITELLM_API_KEY={KEY}\nLITELLM_BASE_URL=http://localhost:4000\nLITELLM_MASTER_KEY=s3cr3t-master-pw-778\n"
    )
    (tmp_path / "app.py").write_text(
        "import os\n"
        "from openai import OpenAI\n"
        f'client = OpenAI(base_url="http://localhost:4000", api_key="{KEY}")\n'
        f'key = os.environ.get("LITELLM_API_KEY", "{KEY}")\n'
        f'headers = {{"Authorization": "Bearer {KEY}"}}\n'
    )
    (tmp_path / "settings.yaml").write_text(
        f"llm:\n  base_url: http://localhost:4000\n  LITELLM_API_KEY: {KEY}\n"
    )
    return tmp_path


def _no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
@pytest.mark.parametrize("mode", ["--diff", "--check"])
def test_code_output_never_holds_the_key(tmp_path: Path, fmt: str, mode: str) -> None:
    repo = _repo(tmp_path)
    out = run(".", mode, "--format", fmt, cwd=repo)
    assert out.returncode == 1, out.stderr
    _no_secret(out.stdout + out.stderr)
    if fmt == "text" and mode == "--diff":
        assert "+LLM_GATEWAY_API_KEY=****" in out.stdout  # the rename is still visible
        assert "Bearer ****" in out.stdout or "api_key=" in out.stdout


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "markdown", "junit"])
def test_check_output_never_holds_the_key(tmp_path: Path, fmt: str) -> None:
    from typer.testing import CliRunner

    from llmgw_migrate.cli import build_app

    repo = _repo(tmp_path)
    import os

    old = Path.cwd()
    os.chdir(repo)
    try:
        result = CliRunner().invoke(
            build_app(), ["check", ".", "--format", fmt, "--no-progress"], catch_exceptions=False
        )
    finally:
        os.chdir(old)
    assert result.exit_code == 1, result.stdout + result.stderr
    _no_secret(result.stdout + result.stderr)
    for written in repo.iterdir():  # reports check may have written
        if written.is_file() and written.name not in (".env", "app.py", "settings.yaml"):
            _no_secret(written.read_text())


def test_write_keeps_the_real_key(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    out = run(".", "--write", cwd=repo)
    _no_secret(out.stdout + out.stderr)
    assert f"LLM_GATEWAY_API_KEY={KEY}\n" in (repo / ".env").read_text()
    assert f'api_key="{KEY}"' in (repo / "app.py").read_text()


def test_show_secrets_gives_an_applicable_patch(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    masked = run(".", "--diff", cwd=repo).stdout
    patch = run(".", "--diff", "--show-secrets", cwd=repo).stdout
    assert KEY in patch and KEY not in masked
    (repo / "m.patch").write_text(patch)
    subprocess.run(["git", "apply", "m.patch"], cwd=repo, check=True)
    assert f"LLM_GATEWAY_API_KEY={KEY}\n" in (repo / ".env").read_text()


def test_mask_shown_shapes() -> None:
    text = (
        f'client = OpenAI(api_key="{KEY}")\n'
        f'x = os.getenv("LITELLM_API_KEY", "{KEY}")\n'
        f"curl -H 'Authorization: Bearer {KEY}'\n"
        'curl -H "Authorization: Bearer $LITELLM_API_KEY"\n'
        "import sklearn  # sk-learn\n"
        "model = 'gpt-4o-mini'\n"
    )
    masked = mask_shown(text)
    _no_secret(masked)
    assert masked.count("\n") == text.count("\n")
    for kept in (
        "Bearer $LITELLM_API_KEY",
        "sk-learn",
        "gpt-4o-mini",
        'api_key="****"',
        'os.getenv("LITELLM_API_KEY", "****")',
    ):
        assert kept in masked


def test_finding_messages_keep_their_own_words(tmp_path: Path) -> None:
    # issue 15: "...: **** value is a LiteLLM key" and "...: **** it with a gateway key" - the masking ate
    # the message's words. Values are masked, prose never.
    (tmp_path / ".env").write_text("LITELLM_API_KEY=sk-litellm-abcdef0123456789\n")
    wf = tmp_path / ".github" / "workflows"
    wf.mkdir(parents=True)
    (wf / "ci.yml").write_text(
        "jobs:\n  t:\n    runs-on: ubuntu-latest\n    env:\n"
        "      LITELLM_API_KEY: ${{ secrets.LITELLM_API_KEY }}\n    steps:\n      - run: pytest\n"
    )
    r = run(".", "--check", cwd=tmp_path)
    assert "LITELLM_API_KEY -> LLM_GATEWAY_API_KEY: its value is a LiteLLM key" in r.stderr
    assert "create it with a gateway key" in r.stderr
    assert "****" not in r.stderr and "abcdef0123456789" not in r.stderr + r.stdout


def test_mask_message_masks_values_only() -> None:
    from llmgw_migrate.codemods.secret_mask import mask_message

    assert mask_message("X -> LLM_GATEWAY_API_KEY: its value is a LiteLLM key") == (
        "X -> LLM_GATEWAY_API_KEY: its value is a LiteLLM key"
    )
    assert mask_message('api_key="hunter2-value" in the call') == 'api_key="****" in the call'
    assert mask_message("OPENAI_API_KEY=hunter2secret stays") == "OPENAI_API_KEY=**** stays"
    assert (
        mask_message("sent sk-abcdefghijkl0123 as Bearer abcdefghijklmnop") == "sent sk-**** as Bearer ****"
    )
    assert (
        mask_message("API_KEY=${OPENAI_API_KEY} is a reference") == "API_KEY=${OPENAI_API_KEY} is a reference"
    )


def test_a_litellm_key_under_the_gateway_name_keeps_its_reminder(tmp_path: Path) -> None:
    # issue 15: LGM302 vanished once the rename was written, and `code --check` passed.
    env = tmp_path / ".env"
    env.write_text("LITELLM_API_KEY=sk-litellm-abcdef0123456789\n")
    assert run(".", "--write", cwd=tmp_path).returncode == 1
    assert env.read_text() == "LLM_GATEWAY_API_KEY=sk-litellm-abcdef0123456789\n"
    r = run(".", "--check", cwd=tmp_path)
    assert r.returncode == 1
    assert "LLM_GATEWAY_API_KEY: its value looks like a LiteLLM key, not a gateway key" in r.stderr
    assert "LGM302" in r.stderr and "LGM200" not in r.stderr
    # once a person puts a gateway key there, it is gone
    env.write_text("LLM_GATEWAY_API_KEY=llmgtwy_abcdef0123456789\n")
    r = run(".", "--check", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    env.write_text("LLM_GATEWAY_API_KEY=${GATEWAY_KEY}\n")
    assert run(".", "--check", cwd=tmp_path).returncode == 0
