"""What a check reports: a :class:`Finding` and its :data:`Severity`.

A leaf module: the built-in checks (:mod:`delightmail.checks`) and the external
checkers (:mod:`delightmail.checks_external`) both report findings, and
:func:`~delightmail.checks.check_email` runs the external checkers: neither
needs the other to say what it found.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["Finding", "Severity"]

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Finding:
    """One thing a check found: which check, how bad, what, and where."""

    check: str
    severity: Severity
    message: str
    where: str = ""

    def __str__(self) -> str:
        where = f" ({self.where})" if self.where else ""
        return f"{self.severity}: {self.check}: {self.message}{where}"
