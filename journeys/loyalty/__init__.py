"""The loyalty loop: a points ledger, earning rules, tiers, rewards and referrals.

The programme is a workspace file (``loyalty/program.yaml``, see :mod:`.model`); the ledger
lives in the operational store (:mod:`.tables`, :mod:`.ledger`); earning is driven by the event
log (:mod:`.earning`). What other packages use is re-exported here.
"""

from journeys.loyalty.contracts import LoyaltyStatus, Posted
from journeys.loyalty.members import loyalty_status
from journeys.loyalty.service import award_points

__all__ = ["LoyaltyStatus", "Posted", "award_points", "loyalty_status"]
