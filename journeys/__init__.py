"""Journeys: open-source customer journey management.

The Python API: open a :class:`Workspace` and use its event log, journeys and customers.
"""

from journeys.workspace import Workspace

__version__ = "0.1.0"
__all__ = ["Workspace", "__version__"]
