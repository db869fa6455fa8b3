from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus" / "litellm-configs"
FIXTURES = ROOT / "fixtures"


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    # Never let a developer's refreshed catalog change test results.
    monkeypatch.setenv("LLMGW_MIGRATE_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.delenv("LLMGW_MIGRATE_CATALOG", raising=False)
    os.environ.setdefault("NO_COLOR", "1")
