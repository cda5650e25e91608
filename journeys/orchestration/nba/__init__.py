"""Next best action: the ranked offers and messages that fit a customer's journey and history.

The catalogue is code (``<workspace>/actions.yaml``, ``catalogue.py``), checked by small named
rules (``rules.py``); a customer's context is read from an index by customer (``index.py``,
``context.py``); ranking is pure (``ranking.py``); ``service.py`` puts them together. See
docs/next-best-action.md.

Kept free of imports: the event log loads ``index.py`` at start-up and should not pay for the
rest.
"""
