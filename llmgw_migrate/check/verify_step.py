"""`check --verify`: run verify's replay through its programmatic entry point and hand back findings.

Bad flags (a URL that is not one, a corpus that cannot be read) are bad input: UserError, exit 2, raised
before the check runs where possible. A replay that runs and finds differences or failed cases gives
LGM5xx findings; a replay that cannot run at all (the embedded gateway does not start, a connection
layer crashes) gives LGM602, so the gate fails instead of passing unproven.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from llmgw_migrate.check.runner import VerifyOutcome
from llmgw_migrate.errors import UserError
from llmgw_migrate.findings import make

if TYPE_CHECKING:
    from llmgw_migrate.config.plan import Plan

EMBEDDED = "embedded"
KEY_ENVS = ("LITELLM_API_KEY", "LLM_GATEWAY_API_KEY")


def verify_secrets() -> list[str]:
    """Key values verify may send; every check output is scrubbed of them."""
    return [v for v in (os.environ.get(name) for name in KEY_ENVS) if v]


def make_verify_step(
    *,
    before: str | None,
    after: str | None,
    requests: Path | None,
    models: list[str] | None = None,
    builtin: bool = True,
    max_requests: int | None = None,
    max_cost: str | None = None,
) -> Callable[[Plan | None], VerifyOutcome]:
    from llmgw_migrate.verify.run import VerifyConfig, validate

    if not before:
        raise UserError("--verify needs --before URL (the LiteLLM proxy to compare with)")
    if requests is not None and not requests.is_file():
        raise UserError("--requests: file not found", requests)
    if not builtin and requests is None:
        raise UserError("--no-verify-suite leaves nothing to replay: give --requests FILE")
    after_url = after or EMBEDDED

    def config_for(plan: Plan | None) -> VerifyConfig:
        return VerifyConfig(
            before=before,
            after=after_url,
            plan=plan,
            corpora=[requests] if requests is not None else [],
            builtin=builtin,
            models=list(models or []),
            max_requests=max_requests,
            max_cost=max_cost,
            progress=False,
        )

    # Validate the flags now, before minutes of code scanning (a placeholder plan stands in for the
    # one --config or --plan will give; its absence is checked when the step runs).
    probe = config_for(None)
    if after_url == EMBEDDED:
        probe.after = "http://127.0.0.1"
    validate(probe)

    def step(plan: Plan | None) -> VerifyOutcome:
        from llmgw_migrate.verify.run import execute, findings_from_report

        if after_url == EMBEDDED and plan is None:
            raise UserError(
                "--verify without --after runs the embedded gateway, which needs --config or --plan"
            )
        try:
            report = execute(config_for(plan))
        except UserError:
            raise
        except Exception as exc:  # the replay itself broke: parity is unproven, the gate must fail
            finding = make("LGM602", f"verify could not run: {type(exc).__name__}: {exc}")
            return VerifyOutcome(findings=[finding], detail="could not run")
        s = report.summary
        detail = f"{s.total} cases: {s.pass_} pass, {s.differ} differ, {s.error} error"
        if s.not_run:
            detail += f", {s.not_run} not run"
        detail += f" ({report.before} vs {report.after})"
        stats = {
            "total": s.total,
            "pass": s.pass_,
            "differ": s.differ,
            "error": s.error,
            "not_run": s.not_run,
            "requests": s.requests,
            "parity": s.parity,
        }
        return VerifyOutcome(findings=findings_from_report(report), detail=detail, stats=stats)

    return step
