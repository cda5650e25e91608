"""What the demo's synthetic businesses look like: their sites, catalogues and customers.

A :class:`Domain` gives the generator everything that is specific to one kind of business:
the web pages and app screens people browse besides the designed touchpoints, realistic
properties per event name, and customer traits. Journeys the demo does not know get the
generic domain, so the generator works for any journey file.
"""

from __future__ import annotations

from journeys.demo.domains.base import Domain, Extra, State
from journeys.demo.domains.cleaning import CLEANING
from journeys.demo.domains.fashion import FASHION
from journeys.demo.domains.generic import GENERIC
from journeys.demo.domains.mortgage import MORTGAGE

DOMAINS: dict[str, Domain] = {
    "fashion": FASHION,
    "mortgage": MORTGAGE,
    "cleaning": CLEANING,
    "generic": GENERIC,
}

__all__ = ["DOMAINS", "Domain", "Extra", "State"]
