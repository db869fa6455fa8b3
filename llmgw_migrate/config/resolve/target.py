"""What one deployment becomes on the gateway (Target) and the provider key it needs (KeySpec)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from llmgw_migrate.config.catalog import CatalogModel, ProviderMapping
from llmgw_migrate.config.read import Deployment, Loc
from llmgw_migrate.findings import Finding, Status, make


@dataclass
class KeySpec:
    """Identity and content of one gateway provider key."""

    provider: str  # gateway provider id, or "custom"
    name: str | None = None  # custom provider name
    env_var: str | None = None
    inline_secret: bool = False
    base_url: str | None = None
    options: dict[str, str] = field(default_factory=dict)

    def identity(self) -> tuple[Any, ...]:
        return (
            self.provider,
            self.name,
            self.env_var,
            self.inline_secret,
            self.base_url,
            tuple(sorted(self.options.items())),
        )


@dataclass
class Target:
    """What one deployment becomes on the gateway."""

    deployment: Deployment
    status: Status
    provider: str | None = None  # gateway provider id or custom provider name
    gateway_model: str | None = None
    catalog: CatalogModel | None = None
    mapping: ProviderMapping | None = None
    upstream: str | None = None
    custom: bool = False
    wildcard: bool = False
    key: KeySpec | None = None
    mode: str = "chat"
    # a gateway id exists but this provider cannot answer it (deactivated, mode not served)
    unservable: bool = False
    findings: list[Finding] = field(default_factory=list)

    @property
    def served(self) -> bool:
        """Whether the gateway can serve this deployment through its provider key (so the key is needed)."""
        if self.key is None or self.unservable:
            return False
        return self.wildcard or self.gateway_model is not None

    @property
    def expands_to(self) -> int:
        """How many LiteLLM deployments this entry is: `organization: [a, b]` makes one per organization."""
        org = self.deployment.params.get("organization")
        return len(org) if isinstance(org, list) and org else 1

    def finding(self, code: str, message: str, loc: Loc, **kw: Any) -> Finding:
        f = make(code, message, file=loc.file, line=loc.line, column=loc.column, **kw)
        self.findings.append(f)
        return f

    def approximate(self) -> None:
        """An exact mapping becomes approximate; a worse status stays."""
        if self.status == Status.exact:
            self.status = Status.approximate
