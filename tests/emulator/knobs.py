"""Environment knobs of the emulator (FERRY_EMU_*), read once when the launcher starts.

Shared by launcher.py and the modules it imports, so that every knob is parsed and
refused the same way: a bad value stops the launcher at start instead of being
silently ignored by a test that relies on it.
"""

import os
import sys


def env_float(name: str, default: float) -> float:
    """A non-negative number of seconds (or a count) from the environment."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        sys.exit(f"launcher: {name}={raw!r} is not a number")
    if value < 0:
        sys.exit(f"launcher: {name} must be >= 0")
    return value


def env_int(name: str, default: int) -> int:
    """A non-negative whole number (a count or a limit) from the environment."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        sys.exit(f"launcher: {name}={raw!r} is not a whole number")
    if value < 0:
        sys.exit(f"launcher: {name} must be >= 0")
    return value


def env_str(name: str) -> str:
    """A text knob; empty when unset."""
    return os.environ.get(name, "").strip()
