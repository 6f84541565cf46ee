# SPDX-License-Identifier: GPL-2.0
"""tests/soak: long runs, by hand or nightly, never part of scripts/test.
They run on the system tests' machinery: tests/system/conftest.py, loaded
here under its own name and re-exported, so `from conftest import ...` in
the system test modules these files reuse finds the same functions and
state (one idle machine, one QEMU at a time)."""
import importlib.util
import os
import sys

_SYSTEM = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "system")
sys.path.insert(0, _SYSTEM)
_spec = importlib.util.spec_from_file_location("keel_system_conftest",
                                               os.path.join(_SYSTEM, "conftest.py"))
_system = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_system)
globals().update({k: getattr(_system, k) for k in dir(_system) if not k.startswith("__")})
