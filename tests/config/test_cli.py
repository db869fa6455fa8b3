"""The real CLI as a subprocess: formats, files, exit codes, and every kind of bad input."""

from __future__ import annotations

import json
import os
import socket
import stat
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from tests.config.helpers import ROOT, run_cli, write

EXAMPLE = "fixtures/example/litellm_config.yaml"


def _one_line_error(proc, where: str) -> None:  # type: ignore[no-untyped-def]
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ") and where in lines[0], lines[0]


def test_example_config_exits_zero_with_tables() -> None:
    proc = run_cli("config", EXAMPLE, "--as-of", "2026-11-25")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Models" in proc.stdout and "Provider keys" in proc.stdout
    assert "plan complete" in proc.stdout.splitlines()[-1]


def test_json_output_is_the_plan() -> None:
    proc = run_cli("config", EXAMPLE, "--format", "json", "--as-of", "2026-11-25")
    data = json.loads(proc.stdout)
    assert data["schema_version"] == 1 and data["target"] == "managed"
    names = {m["name"]: m for m in data["models"]}
    assert names["gpt-4o"]["deployments"] == 2
    assert names["internal-coder"]["gateway_model"] == "vllm/Qwen/Qwen2.5-Coder-32B-Instruct"


@pytest.mark.parametrize("fmt", ["yaml", "markdown", "text"])
def test_other_formats(fmt: str) -> None:
    proc = run_cli("config", EXAMPLE, "-f", fmt)
    assert proc.returncode == 0
    marker = {"yaml": "schema_version: 1", "markdown": "### Provider keys", "text": "Findings"}[fmt]
    assert marker in proc.stdout


def test_output_file_written_atomically(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    proc = run_cli("config", EXAMPLE, "-o", str(out))
    assert proc.returncode == 0
    # a written plan names its config relative to the plan file's folder, so it reads from anywhere
    source = json.loads(out.read_text())["source"]
    assert (out.parent / source).resolve() == (ROOT / EXAMPLE).resolve()
    assert f"plan written to {out}" in proc.stdout
    yml = tmp_path / "plan.yaml"
    run_cli("config", EXAMPLE, "-o", str(yml))
    assert yml.read_text().startswith("schema_version: 1")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_schema() -> None:
    proc = run_cli("config", "--schema")
    schema = json.loads(proc.stdout)
    assert proc.returncode == 0 and schema["$id"].endswith("plan-v1.json")
    assert "models" in schema["properties"]


def test_exit_codes_findings_and_strict(tmp_path: Path) -> None:
    manual = write(
        tmp_path, "model_list:\n  - {model_name: a, litellm_params: {model: sagemaker/x}}\n", "manual.yaml"
    )
    assert run_cli("config", str(manual)).returncode == 1
    warn = write(
        tmp_path,
        "model_list:\n  - {model_name: a, litellm_params: {model: openai/gpt-4o}}\n"
        "router_settings: {fallbacks: [{a: [a]}]}\n",
        "warn.yaml",
    )
    assert run_cli("config", str(warn)).returncode == 0
    assert run_cli("config", str(warn), "--strict").returncode == 1


def test_env_out_self_hosted(tmp_path: Path) -> None:
    env = tmp_path / "gateway.env"
    proc = run_cli("config", EXAMPLE, "--target", "self-hosted", "--env-out", str(env))
    assert proc.returncode == 0, proc.stderr
    assert stat.S_IMODE(env.stat().st_mode) == 0o600
    text = env.read_text()
    assert "LLM_OPENAI_API_KEY=${OPENAI_API_KEY}" in text
    assert "LLM_AZURE_RESOURCE=acme-eastus" in text
    assert "vllm: base URL http://vllm.internal.acme.dev:8000" in text


def test_env_out_never_writes_inline_secret(tmp_path: Path) -> None:
    cfg = write(
        tmp_path,
        "model_list:\n  - {model_name: a, litellm_params: {model: openai/gpt-4o, api_key: sk-inline-4242}}\n",
    )
    env = tmp_path / "gw.env"
    proc = run_cli("config", str(cfg), "--target", "self-hosted", "--env-out", str(env), "-f", "json")
    assert proc.returncode == 0  # the env file is written: that is the job (gates: --strict, --fail-on)
    assert "sk-inline-4242" not in env.read_text() + proc.stdout + proc.stderr
    assert "set it from your secret store" in env.read_text()


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["config", EXAMPLE, "--env-out", "x.env"], "--env-out needs --target self-hosted"),
        (["config", EXAMPLE, "--format", "xml"], "--format must be one of"),
        (["config", EXAMPLE, "--routing", "fast"], "--routing must be pinned or smart"),
        (["config", EXAMPLE, "--as-of", "yesterday"], "--as-of must be a date"),
        (["config"], "missing config path"),
    ],
)
def test_usage_errors(args: list[str], fragment: str) -> None:
    _one_line_error(run_cli(*args), fragment)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("model_list:\n  - model_name: a\n   litellm_params: {}\n", ":3:4: invalid YAML"),
        ("model_list: 5\n", ":1:13: `model_list` must be a list"),
        (
            "model_list:\n  - model_name: a\n    litellm_params: {api_key: x}\n",
            ":3:21: model_list[0] (a) has no litellm_params.model",
        ),
        ("", ":1:1: empty file"),
        ("include: [missing.yaml]\n", ":1:11: included file not found: missing.yaml"),
    ],
)
def test_bad_config_files(tmp_path: Path, text: str, where: str) -> None:
    path = write(tmp_path, text)
    proc = run_cli("config", str(path))
    _one_line_error(proc, f"{path}{where}")


def test_cyclic_include_cli(tmp_path: Path) -> None:
    write(tmp_path, "include: [b.yaml]\n", "a.yaml")
    write(tmp_path, "include: [a.yaml]\n", "b.yaml")
    proc = run_cli("config", "a.yaml", cwd=tmp_path)
    _one_line_error(proc, "b.yaml:1:11: cyclic include: a.yaml -> b.yaml -> a.yaml")


def test_directory_binary_and_missing(tmp_path: Path) -> None:
    _one_line_error(run_cli("config", str(tmp_path)), f"{tmp_path}: is a directory")
    binary = tmp_path / "x.yaml"
    binary.write_bytes(b"\x7fELF\x00\x01\x02")
    _one_line_error(run_cli("config", str(binary)), f"{binary}:1:5: binary file")
    _one_line_error(run_cli("config", str(tmp_path / "nope.yaml")), "nope.yaml: config file not found")


def test_unreadable_file(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        path = write(tmp_path, "model_list: []\n")
        path.chmod(0)
        _one_line_error(run_cli("config", str(path)), f"{path}: permission denied")
        return
    # root reads any mode: a socket is a path that exists but cannot be read as a file
    path = tmp_path / "sock.yaml"
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(path))
        _one_line_error(run_cli("config", str(path)), f"{path}: cannot read the config file")
    finally:
        sock.close()


@pytest.mark.needs_shared
def test_corpus_invalid_yaml_has_location() -> None:
    from tests.conftest import CORPUS

    bad = CORPUS / "example_config_yaml__simple_config.yaml"
    _one_line_error(run_cli("config", str(bad)), f"{bad}:6:4: invalid YAML")


# ---------------------------------------------------------------------------------------------- catalog


def test_catalog_show_and_list() -> None:
    proc = run_cli("catalog", "show", "openai/gpt-4o", "-f", "json")
    assert proc.returncode == 0
    data = json.loads(proc.stdout)
    assert data["id"] == "gpt-4o" and any(p["provider"] == "openai" for p in data["providers"])
    proc = run_cli("catalog", "show", "anthropic.claude-haiku-4-5-20251001-v1:0")
    assert proc.returncode == 0 and proc.stdout.startswith("claude-haiku-4-5")
    _one_line_error(run_cli("catalog", "show", "gpt-4oo"), "no catalog model 'gpt-4oo'; closest: gpt-4o")
    proc = run_cli("catalog", "list", "--provider", "cerebras")
    assert proc.returncode == 0 and "llama-3.3-70b-instruct" in proc.stdout
    _one_line_error(run_cli("catalog", "list", "--provider", "nope"), "unknown gateway provider 'nope'")


@pytest.fixture
def models_server() -> Iterator[str]:
    body = json.dumps(
        {
            "data": [
                {
                    "id": "new-model",
                    "name": "New",
                    "family": "x",
                    "providers": [{"providerId": "openai", "externalId": "new-model-upstream"}],
                }
            ]
        }
    ).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.startswith("/v1/models"):
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)
            else:
                self.send_response(404)
                self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_catalog_refresh_then_used_by_config(tmp_path: Path, models_server: str) -> None:
    env = {"LLMGW_MIGRATE_CACHE_DIR": str(tmp_path / "cache")}
    proc = run_cli("catalog", "refresh", "--url", f"{models_server}/v1/models", env=env)
    assert proc.returncode == 0, proc.stderr
    assert "1 models" in proc.stdout
    cfg = write(
        tmp_path, "model_list:\n  - {model_name: n, litellm_params: {model: openai/new-model-upstream}}\n"
    )
    data = json.loads(run_cli("config", str(cfg), "-f", "json", env=env).stdout)
    assert data["models"][0]["gateway_model"] == "openai/new-model"
    _one_line_error(
        run_cli("catalog", "refresh", "--url", f"{models_server}/nothing", env=env), "answered 404"
    )


def test_help_lists_config_and_catalog() -> None:
    proc = run_cli("--help")
    assert "config" in proc.stdout and "catalog" in proc.stdout
    assert ROOT.is_dir()


def test_unwritable_output_is_a_one_line_error(tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "dir" / "plan.json"
    _one_line_error(run_cli("config", EXAMPLE, "-o", str(target)), f"{target}: cannot write the plan")
    _one_line_error(run_cli("config", EXAMPLE, "-o", str(tmp_path)), "--output is a directory")


def test_catalog_refresh_unreachable(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again before the CLI connects: nothing listens there
    env = {"LLMGW_MIGRATE_CACHE_DIR": str(tmp_path / "cache")}
    proc = run_cli(
        "catalog", "refresh", "--url", f"http://127.0.0.1:{port}/v1/models", "--timeout", "5", env=env
    )
    _one_line_error(proc, "catalog refresh failed: cannot reach")
    assert not (tmp_path / "cache" / "catalog.json").exists()


def test_check_mode_prints_findings_of_several_configs(tmp_path: Path) -> None:
    manual = write(
        tmp_path, "model_list:\n  - {model_name: a, litellm_params: {model: sagemaker/x}}\n", "manual.yaml"
    )
    proc = run_cli("config", "--check", EXAMPLE, str(manual), "--as-of", "2026-11-25")
    assert proc.returncode == 1, proc.stderr
    assert "Provider keys" not in proc.stdout  # findings only, no plan tables
    assert f"{manual}:2:" in proc.stdout and "LGM103" in proc.stdout
    assert "plan complete" in proc.stderr and "plan needs manual work" in proc.stderr
    assert not list(tmp_path.glob("*.json"))  # writes nothing
    ok = run_cli("config", "--check", EXAMPLE, "--as-of", "2026-11-25", "-f", "github")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("::") and "title=LGM" in ok.stdout


def test_check_mode_bad_config_is_one_line_and_exit_2(tmp_path: Path) -> None:
    bad = write(tmp_path, "model_list:\n  - model_name: [unclosed\n", "bad.yaml")
    proc = run_cli("config", "--check", str(bad), EXAMPLE, "--as-of", "2026-11-25")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert f"error: {bad}:" in proc.stderr
    assert "plan complete" in proc.stderr  # the good config was still checked


def test_several_configs_need_check_mode(tmp_path: Path) -> None:
    _one_line_error(run_cli("config", EXAMPLE, EXAMPLE), "--check")
    _one_line_error(run_cli("config", "--check", EXAMPLE, "-f", "yaml"), "--format")


def test_writing_the_plan_exits_0_and_gates_are_explicit(tmp_path: Path) -> None:
    # issue 15: `config x.yaml -o plan.json && code ...` must run on when the plan is written.
    manual = write(
        tmp_path, "model_list:\n  - {model_name: a, litellm_params: {model: sagemaker/x}}\n", "manual.yaml"
    )
    plan = tmp_path / "plan.json"
    proc = run_cli("config", str(manual), "-o", str(plan))
    assert proc.returncode == 0, proc.stderr
    assert plan.exists() and "plan written to" in proc.stdout and "manual work" in proc.stdout
    assert run_cli("config", str(manual), "-o", str(plan), "--strict").returncode == 1
    assert run_cli("config", str(manual), "-o", str(plan), "--fail-on", "warning").returncode == 1
    assert run_cli("config", str(manual), "-o", str(plan), "--fail-on", "never").returncode == 0
    assert run_cli("config", "--check", str(manual)).returncode == 1
    assert run_cli("config", "--check", str(manual), "--fail-on", "never").returncode == 0
    # printed without -o: the plan is the report, manual work fails it as before
    assert run_cli("config", str(manual)).returncode == 1
