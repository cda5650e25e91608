"""The mortgage journey as YAML text: the file the journey-map tests start from and add to."""

from __future__ import annotations


def mortgage(
    *, journey_id: str = "mortgage", touchpoint: str = "Mortgage calculator", channel: str = "web"
) -> str:
    """A journey file with one stage, ``explore``, holding one touchpoint, ``calculator``.

    The touchpoint's fields come last, so a test adds fields to it, or more touchpoints, stages
    or sections, by appending lines at the right indent.
    """
    return f"""\
id: {journey_id}
name: Mortgage
stages:
  - id: explore
    name: Explore
    touchpoints:
      - id: calculator
        name: {touchpoint}
        channel: {channel}
        online: true
"""


# The smallest valid journey file.
MINIMAL = mortgage()
