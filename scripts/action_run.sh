#!/usr/bin/env bash
# The GitHub Action's step (action.yml): install llmgw-migrate, run `check` with the action's inputs,
# publish the report paths and the exit code as step outputs, and exit with check's code.
#
# Inputs arrive as INPUT_* environment variables (see action.yml). For tests and local runs,
# LLMGW_MIGRATE_BIN names an llmgw-migrate executable to use instead of installing one.
set -euo pipefail

ACTION_DIR="${GITHUB_ACTION_PATH:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
PYTHON="${PYTHON:-python3}"

fail() {
  # A workflow-command error shows on the run page; exit 2 like the CLI's own usage errors.
  echo "::error title=llmgw-migrate action::$1"
  exit 2
}

case "${INPUT_FAIL_ON:=warning}" in
  error | warning | info | never) ;;
  *) fail "fail-on must be error, warning, info or never, not '${INPUT_FAIL_ON}'" ;;
esac
case "${INPUT_FORMAT:=github}" in
  text | json | sarif | github | junit | markdown) ;;
  *) fail "format must be text, json, sarif, github, junit or markdown, not '${INPUT_FORMAT}'" ;;
esac
if [ -n "${INPUT_CONFIG:-}" ] && [ -n "${INPUT_PLAN:-}" ]; then
  fail "give config or plan, not both"
fi

if [ -n "${LLMGW_MIGRATE_BIN:-}" ]; then
  BIN="$LLMGW_MIGRATE_BIN"
else
  VENV="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/llmgw-migrate-venv"
  if [ ! -x "$VENV/bin/llmgw-migrate" ]; then
    "$PYTHON" -m venv "$VENV"
    if [ -n "${INPUT_VERSION:-}" ]; then
      "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "llmgw-migrate==${INPUT_VERSION}"
    else
      "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$ACTION_DIR"
    fi
  fi
  BIN="$VENV/bin/llmgw-migrate"
fi

if [ -n "${INPUT_WORKING_DIRECTORY:-}" ] && [ "$INPUT_WORKING_DIRECTORY" != . ]; then
  cd "$INPUT_WORKING_DIRECTORY" 2>/dev/null || fail "working-directory '${INPUT_WORKING_DIRECTORY}' does not exist"
fi

args=(check)
# Paths: one per line or separated by spaces (a path holding a space needs a glob or `args`).
read -r -d '' -a paths <<<"${INPUT_PATH:-.}" || true
if [ "${#paths[@]}" -eq 0 ]; then paths=(.); fi
args+=("${paths[@]}")
[ -n "${INPUT_CONFIG:-}" ] && args+=(--config "$INPUT_CONFIG")
[ -n "${INPUT_PLAN:-}" ] && args+=(--plan "$INPUT_PLAN")
[ -n "${INPUT_BASELINE:-}" ] && args+=(--baseline "$INPUT_BASELINE")
[ -n "${INPUT_SARIF:-}" ] && args+=(--sarif "$INPUT_SARIF")
[ -n "${INPUT_JUNIT:-}" ] && args+=(--junit "$INPUT_JUNIT")
[ -n "${INPUT_JSON:-}" ] && args+=(--json "$INPUT_JSON")
args+=(--fail-on "$INPUT_FAIL_ON" --format "$INPUT_FORMAT")
if [ -n "${INPUT_ARGS:-}" ]; then
  # Split like a shell would (quotes respected) without evaluating anything.
  split=$("$PYTHON" -c 'import os, shlex; print("\n".join(shlex.split(os.environ["INPUT_ARGS"])))' 2>/dev/null) \
    || fail "args: cannot split '${INPUT_ARGS}' (unbalanced quotes?)"
  if [ -n "$split" ]; then
    mapfile -t extra <<<"$split"
    args+=("${extra[@]}")
  fi
fi

set +e
"$BIN" "${args[@]}"
rc=$?
set -e

if [ -n "${GITHUB_OUTPUT:-}" ]; then
  {
    echo "exit-code=$rc"
    for kind in sarif junit json; do
      var="INPUT_${kind^^}"
      file="${!var:-}"
      if [ -n "$file" ] && [ -f "$file" ]; then
        # Outputs are used by later steps, which run in the workspace: say where from there.
        case "$file" in
          /*) ;;
          *) [ "${INPUT_WORKING_DIRECTORY:-.}" != . ] && file="${INPUT_WORKING_DIRECTORY%/}/$file" ;;
        esac
        echo "$kind=$file"
      fi
    done
  } >>"$GITHUB_OUTPUT"
fi
exit "$rc"
