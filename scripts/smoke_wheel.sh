#!/usr/bin/env bash
# Smoke-test an installed llmgw-migrate wheel, offline, from outside the checkout.
#
#   scripts/smoke_wheel.sh VENV      # VENV: a fresh virtualenv where dist/*.whl is installed (.ci/run)
#
# Every command runs from the wheel: config, catalog, code, gateway (start, health, a request, stop),
# verify (against fake upstreams on 127.0.0.1, with the embedded gateway), check, and the GitHub
# Action's script. Then the sdist in dist/ is checked for what a source build needs, and `pipx install`
# of the wheel is tried in a scratch PIPX_HOME. Servers listen on 127.0.0.1 only and are stopped on exit.
set -euo pipefail

if [ $# -ne 1 ] || [ ! -x "$1/bin/llmgw-migrate" ]; then
  echo "usage: $0 VENV   (a virtualenv with the llmgw-migrate wheel installed)" >&2
  exit 2
fi
VENV="$(cd "$1" && pwd)"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$VENV/bin/llmgw-migrate"
PY="$VENV/bin/python"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/llmgw-smoke.XXXXXX")"
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

export WORK NO_COLOR=1 LLMGW_MIGRATE_CACHE_DIR="$WORK/cache"
unset LLMGW_MIGRATE_CATALOG GITHUB_STEP_SUMMARY GITHUB_OUTPUT PYTHONPATH || true
cd "$WORK" # never import the checkout by accident

step() { printf 'smoke: %s\n' "$*"; }
die() {
  printf 'smoke FAILED: %s\n' "$*" >&2
  for f in "$WORK/out" "$WORK/err"; do [ -s "$f" ] && sed -n '1,40p' "$f" >&2; done
  exit 1
}
# expect CODES CMD...: run CMD (stdout -> $WORK/out, stderr -> $WORK/err); its exit code must be in CODES (e.g. 0|1)
expect() {
  local codes="$1" rc
  shift
  set +e
  "$@" >"$WORK/out" 2>"$WORK/err"
  rc=$?
  set -e
  case "|$codes|" in *"|$rc|"*) ;; *) die "exit $rc (wanted $codes): $*" ;; esac
}
contains() { grep -qF -- "$2" "$1" || die "$1 lacks: $2"; }
free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
# http URL [BODY [KEY]]: print the HTTP status; the body goes to $WORK/http_body (000: no answer).
# Python's urllib, not curl: the venv is all this script relies on.
http() {
  "$PY" - "$@" <<'PY'
import os, sys, urllib.error, urllib.request
url = sys.argv[1]
body = sys.argv[2].encode() if len(sys.argv) > 2 else None
headers = {"Content-Type": "application/json"} if body else {}
if len(sys.argv) > 3:
    headers["Authorization"] = "Bearer " + sys.argv[3]
status, data = "000", b""
try:
    with urllib.request.urlopen(urllib.request.Request(url, data=body, headers=headers), timeout=30) as r:
        status, data = str(r.status), r.read()
except urllib.error.HTTPError as e:
    status, data = str(e.code), e.read()
except OSError:
    pass
with open(os.path.join(os.environ["WORK"], "http_body"), "wb") as fh:
    fh.write(data)
print(status)
PY
}
wait_http() { # URL: wait until it answers (any HTTP status), at most 30 s
  for _ in $(seq 1 150); do
    [ "$(http "$1")" != 000 ] && return 0
    sleep 0.2
  done
  die "nothing answered at $1"
}

# --- the installed package -------------------------------------------------------------------------
step "package imports from the venv, rules bundled"
expect 0 "$PY" -c '
import sys, llmgw_migrate
from llmgw_migrate.resources import rules_dir
from llmgw_migrate.findings import registry
from llmgw_migrate.config.catalog import load_catalog
assert "site-packages" in llmgw_migrate.__file__, llmgw_migrate.__file__
assert "site-packages" in str(rules_dir()), rules_dir()
assert registry(), "no finding codes"
load_catalog()
print(llmgw_migrate.__version__)'
VERSION="$(cat "$WORK/out")"
grep -q "^version = \"$VERSION\"" "$ROOT/pyproject.toml" || die "installed version $VERSION is not pyproject's"
expect 0 "$BIN" --version
contains "$WORK/out" "llmgw-migrate $VERSION"
expect 0 "$BIN" --help
for cmd in config catalog code gateway verify check; do
  expect 0 "$BIN" "$cmd" --help
  contains "$WORK/out" "Usage"
done

# --- config ----------------------------------------------------------------------------------------
step "config on fixtures/example"
cp "$ROOT/fixtures/example/litellm_config.yaml" "$WORK/litellm_config.yaml"
expect "0|1" "$BIN" config litellm_config.yaml --format json
"$PY" -c 'import json, sys; d = json.load(open(sys.argv[1])); assert d["models"], "no models"' "$WORK/out"
expect "0|1" "$BIN" config litellm_config.yaml --output plan.json
"$PY" -c 'from llmgw_migrate.config.plan import load_plan; assert load_plan("plan.json").models'
printf 'model_list:\n  - model_name: [unclosed\n' >broken.yaml
expect 2 "$BIN" config broken.yaml
contains "$WORK/err" "broken.yaml:"
grep -q Traceback "$WORK/err" && die "traceback on bad input"

step "catalog (bundled snapshot)"
expect 0 "$BIN" catalog list
contains "$WORK/out" "gpt-4o"
expect 0 "$BIN" catalog show gpt-4o --format json

# --- code ------------------------------------------------------------------------------------------
step "code --diff / --write / --check on fixtures/example_app"
cp -r "$ROOT/fixtures/example_app" "$WORK/app"
APP_PLAN="$ROOT/fixtures/example_app_config/plan.json"
expect "0|1" "$BIN" code app --diff --plan "$APP_PLAN"
contains "$WORK/out" "+++ b/app/"
cmp -s "$ROOT/fixtures/example_app/app/settings.py" "$WORK/app/app/settings.py" || die "--diff wrote a file"
expect 1 "$BIN" code app --check --plan "$APP_PLAN"
expect "0|1" "$BIN" code app --write --plan "$APP_PLAN"
expect 0 "$BIN" code app --check --plan "$APP_PLAN"

# --- fake upstreams, gateway, verify ---------------------------------------------------------------
step "fake upstreams on 127.0.0.1"
BEFORE_PORT="$(free_port)"
UP_PORT="$(free_port)"
"$PY" -m llmgw_migrate.testing.fake_upstream --port "$BEFORE_PORT" >"$WORK/before.log" 2>&1 &
PIDS+=($!)
"$PY" -m llmgw_migrate.testing.fake_upstream --port "$UP_PORT" >"$WORK/up.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$BEFORE_PORT/v1/models"
wait_http "http://127.0.0.1:$UP_PORT/v1/models"

cat >smoke_config.yaml <<'EOF'
model_list:
  - model_name: gpt-4o-mini
    litellm_params:
      model: openai/gpt-4o-mini
      api_key: os.environ/OPENAI_API_KEY
EOF
expect "0|1" "$BIN" config smoke_config.yaml --output smoke_plan.json
export OPENAI_API_KEY=sk-smoke-provider-key LLM_OPENAI_API_KEY=sk-smoke-provider-key
export LLM_OPENAI_BASE_URL="http://127.0.0.1:$UP_PORT" LITELLM_API_KEY=sk-smoke-before-key

step "gateway: start, health, one request, stop"
GW_PORT="$(free_port)"
GW_KEY="llmgtwy_smoke-$RANDOM$RANDOM"
"$BIN" gateway --plan smoke_plan.json --port "$GW_PORT" --api-key "$GW_KEY" >"$WORK/gw.log" 2>&1 &
GW_PID=$!
PIDS+=("$GW_PID")
wait_http "http://127.0.0.1:$GW_PORT/"
[ "$(http "http://127.0.0.1:$GW_PORT/")" = 200 ] || die "gateway health is not 200"
CHAT='{"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "ping"}]}'
status="$(http "http://127.0.0.1:$GW_PORT/v1/chat/completions" "$CHAT" "$GW_KEY")"
[ "$status" = 200 ] || die "chat completion through the gateway: HTTP $status"
contains "$WORK/http_body" '"choices"'
status="$(http "http://127.0.0.1:$GW_PORT/v1/chat/completions" "$CHAT")"
[ "$status" = 401 ] || die "gateway answered $status to a request without a key"
kill -INT "$GW_PID"
for _ in $(seq 1 100); do kill -0 "$GW_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$GW_PID" 2>/dev/null && die "gateway did not stop on SIGINT"
grep -q Traceback "$WORK/gw.log" && die "gateway printed a traceback"

step "verify against the fake upstream, embedded gateway"
cat >requests.jsonl <<'EOF'
{"endpoint": "/v1/chat/completions", "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Why is the sea salty?"}], "temperature": 0}}
{"endpoint": "/v1/chat/completions", "body": {"model": "gpt-4o-mini", "stream": true, "messages": [{"role": "user", "content": "Name a river."}], "temperature": 0}}
EOF
expect 0 "$BIN" verify --before "http://127.0.0.1:$BEFORE_PORT" --after embedded --plan smoke_plan.json \
  --corpus requests.jsonl --no-suite --json verify.json
"$PY" -c 'import json; d = json.load(open("verify.json")); assert d["summary"]["parity"], d["summary"]'

# --- check and the GitHub Action's script ----------------------------------------------------------
step "check: the original app fails, the migrated one passes, reports written"
cp -r "$ROOT/fixtures/example_app" "$WORK/app_before"
summary="$WORK/step_summary.md"
expect 1 env GITHUB_STEP_SUMMARY="$summary" "$BIN" check app_before --plan "$APP_PLAN" \
  --sarif r/check.sarif --junit r/junit.xml --json r/check.json
contains "$WORK/out" "check failed:"
contains "$summary" "llmgw-migrate check"
"$PY" -c 'import json; assert json.load(open("r/check.sarif"))["runs"][0]["results"]'
"$PY" -c 'import xml.etree.ElementTree as ET; assert ET.parse("r/junit.xml").getroot().get("failures") != "0"'
expect 0 "$BIN" check app --plan "$APP_PLAN"
expect 0 "$BIN" check app_before --plan "$APP_PLAN" --baseline base.json --update-baseline
expect 0 "$BIN" check app_before --plan "$APP_PLAN" --baseline base.json
expect 0 "$BIN" check app --config smoke_config.yaml --verify --before "http://127.0.0.1:$BEFORE_PORT" \
  --requests requests.jsonl --no-verify-suite
contains "$WORK/out" "verify: passed"
for secret in sk-smoke-provider-key sk-smoke-before-key; do
  grep -rqF "$secret" "$WORK/out" "$WORK/err" r "$summary" && die "secret $secret in check output"
done

step "GitHub Action script"
(
  cd app_before
  : >"$WORK/gh_output"
  expect 1 env LLMGW_MIGRATE_BIN="$BIN" GITHUB_OUTPUT="$WORK/gh_output" GITHUB_STEP_SUMMARY="$summary" \
    INPUT_PATH=. INPUT_PLAN="$APP_PLAN" INPUT_FORMAT=github INPUT_FAIL_ON=warning INPUT_SARIF=action.sarif \
    PYTHON="$PY" bash "$ROOT/scripts/action_run.sh"
  contains "$WORK/out" "::warning file="
  contains "$WORK/gh_output" "exit-code=1"
  contains "$WORK/gh_output" "sarif=action.sarif"
)

# --- sdist -----------------------------------------------------------------------------------------
shopt -s nullglob
sdists=("$ROOT"/dist/*.tar.gz)
wheels=("$ROOT"/dist/*.whl)
if [ "${#sdists[@]}" -gt 0 ]; then
  step "sdist ${sdists[0]##*/}: holds what a source build and its tests need"
  tar -tzf "${sdists[0]}" | sed 's|^[^/]*/||' | sort >"$WORK/sdist.txt"
  for need in pyproject.toml README.md llmgw_migrate/__init__.py llmgw_migrate/cli.py rules/catalog.json \
    rules/findings/check.yaml docs/findings.md tests/conftest.py fixtures/example/litellm_config.yaml \
    scripts/smoke_wheel.sh action.yml .pre-commit-hooks.yaml; do
    grep -qxF "$need" "$WORK/sdist.txt" || die "sdist lacks $need"
  done
  grep -qE '^(\.venv|\.venvs|\.git|dist|build)/' "$WORK/sdist.txt" && die "sdist carries build or VCS folders"
  grep -qE '(__pycache__/|\.pyc$)' "$WORK/sdist.txt" && die "sdist carries bytecode"
fi

# --- pipx ------------------------------------------------------------------------------------------
if [ "${#wheels[@]}" -gt 0 ]; then
  step "wheel entry point and pipx install"
  "$PY" - "${wheels[0]}" <<'EOF' || die "wheel has no llmgw-migrate console script"
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    eps = next(n for n in z.namelist() if n.endswith(".dist-info/entry_points.txt"))
    assert "llmgw-migrate = llmgw_migrate.cli:main" in z.read(eps).decode(), "missing console script"
    assert any(n.startswith("llmgw_migrate/rules/findings/") for n in z.namelist()), "rules not bundled"
EOF
  if [ "${LLMGW_SMOKE_PIPX:-1}" = 1 ]; then
    "$PY" -m venv "$WORK/pipx-venv"
    "$WORK/pipx-venv/bin/pip" install -q --disable-pip-version-check pipx || die "cannot install pipx"
    export PIPX_HOME="$WORK/pipx-home" PIPX_BIN_DIR="$WORK/pipx-bin" PIPX_MAN_DIR="$WORK/pipx-man"
    expect 0 "$WORK/pipx-venv/bin/pipx" install --python "$PY" "${wheels[0]}"
    expect 0 "$PIPX_BIN_DIR/llmgw-migrate" --version
    contains "$WORK/out" "llmgw-migrate $VERSION"
  fi
fi

echo "smoke: all commands work from the wheel"
