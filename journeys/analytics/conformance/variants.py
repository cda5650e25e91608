"""What one stage sequence says about conformance: pure, no database.

A customer's *variant* is the sequence of (measured) stages they visited, consecutive repeats
collapsed: ``[0, 1, 1, 2]`` becomes ``[0, 1, 2]``. Between two consecutive stages ``a → b``:

- ``b == a + 1`` follows the design;
- ``b > a + 1`` **skips** the stages in between;
- ``b < a`` **goes back** to an earlier stage.

A variant without skips and without going back **conforms**. A conforming customer is
``complete`` when they start at the first stage and reach the last, ``incomplete`` when they
start at the first stage and stop before the last (they may still be on their way), and
``entered_late`` when their first stage is a later one (they came in mid-journey, e.g. straight
to a product page from a search engine). Everyone else is ``deviating``.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

Status = Literal["complete", "incomplete", "entered_late", "deviating"]


@dataclass(frozen=True)
class VariantFacts:
    """The conformance facts of one variant."""

    status: Status
    skipped: tuple[int, ...]  # every stage skipped, once per skip
    backs: tuple[tuple[int, int], ...]  # every (from, to) of going back

    @property
    def conforming(self) -> bool:
        """No skip and no going back."""
        return self.status != "deviating"


def collapse(stages: list[int]) -> list[int]:
    """Consecutive repeats of a stage as one visit."""
    return [s for i, s in enumerate(stages) if i == 0 or stages[i - 1] != s]


def classify(stages: list[int], stage_count: int) -> VariantFacts:
    """Classify a non-empty variant against stages ``0 … stage_count - 1`` in order."""
    visits = collapse(stages)
    skipped: list[int] = []
    backs: list[tuple[int, int]] = []
    for a, b in pairwise(visits):
        if b > a + 1:
            skipped.extend(range(a + 1, b))
        elif b < a:
            backs.append((a, b))
    status: Status
    if skipped or backs:
        status = "deviating"
    elif visits[0] > 0:
        status = "entered_late"
    elif visits[-1] == stage_count - 1:
        status = "complete"
    else:
        status = "incomplete"
    return VariantFacts(status, tuple(skipped), tuple(backs))
