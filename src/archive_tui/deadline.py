"""A search's time budget and cancel hook.

Every search gets a deadline (``SEARCH_BUDGET_S`` unless the caller gives another)
and an optional ``should_stop`` callback (the app's: "a newer keystroke arrived").
The evaluator asks :meth:`Deadline.expired` between steps; once it says yes, the
remaining steps are skipped, the search returns what it has, and a note says so.
"""

from __future__ import annotations

import time
from collections.abc import Callable

SEARCH_BUDGET_S = 2.0
"""Seconds a search may run before it returns what it has (with a note)."""


class Deadline:
    """``expired()`` turns true once the budget is spent or ``should_stop()`` says so."""

    def __init__(
        self,
        budget_s: float | None = SEARCH_BUDGET_S,
        should_stop: Callable[[], bool] | None = None,
    ) -> None:
        self.start = time.perf_counter()
        self.end = None if budget_s is None else self.start + max(0.0, float(budget_s))
        self.should_stop = should_stop
        self.cut_short = False
        self.cancelled = False

    def expired(self) -> bool:
        """True (and stays true) once the search should stop."""
        if self.cut_short:
            return True
        if self.should_stop is not None and self.should_stop():
            self.cut_short = self.cancelled = True
        elif self.end is not None and time.perf_counter() >= self.end:
            self.cut_short = True
        return self.cut_short

    def note(self) -> str:
        """The sentence for the status line when the search was cut short."""
        if self.cancelled:
            return "Search stopped before it finished: results are incomplete."
        spent = time.perf_counter() - self.start
        return (
            f"Search stopped after {spent:.1f} s (its time limit): results are incomplete; "
            "make the query more specific."
        )
