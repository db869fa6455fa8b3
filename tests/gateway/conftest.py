"""The gateway tests' fixtures live in gateway_support.py (importable by the test modules too)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from gateway_support import _reset, down, gw, up

__all__ = ["_reset", "down", "gw", "up"]
