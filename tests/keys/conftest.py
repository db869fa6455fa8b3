"""The keys tests' fixtures live in keys_support.py (importable by the test modules too)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from keys_support import litellm_db, pg, seeded_db

__all__ = ["litellm_db", "pg", "seeded_db"]
