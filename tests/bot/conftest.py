"""Fixtures for the assistant's tests (run in .venv-bot)."""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
REPO = TESTS.parent
for path in (str(REPO), str(TESTS)):
    if path not in sys.path:
        sys.path.insert(0, path)
