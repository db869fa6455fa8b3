from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus" / "litellm-configs"
FIXTURES = ROOT / "fixtures"
SHARED_REASON = (
    f"needs the shared reference and corpus folder {SHARED} (../shared beside the checkout), which is missing"
)


def corpus_files() -> list[Path]:
    """The real LiteLLM configs; without ../shared, the folder itself stands in so that the test is
    collected and the `needs_shared` marker skips it (or, in CI, fails it) with a reason."""
    return sorted(CORPUS.glob("*.yaml")) or [CORPUS]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "needs_shared: reads ../shared (skipped without it, failed in CI)")


def pytest_runtest_setup(item: pytest.Item) -> None:
    # Outside CI a fresh clone without ../shared skips these tests, naming the folder; in CI
    # (env CI set) they run and fail when it is missing, so a missing folder never passes silently.
    if item.get_closest_marker("needs_shared") is None or SHARED.is_dir():
        return
    if os.environ.get("CI"):
        pytest.fail(SHARED_REASON + " (CI is set: the tests that read it must run)", pytrace=False)
    pytest.skip(SHARED_REASON)


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    # Never let a developer's refreshed catalog change test results.
    monkeypatch.setenv("LLMGW_MIGRATE_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.delenv("LLMGW_MIGRATE_CATALOG", raising=False)
    os.environ.setdefault("NO_COLOR", "1")
