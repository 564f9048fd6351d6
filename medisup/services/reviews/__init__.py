"""Reviews (SPEC §7): renewals, terminations and the annual review — read-only unless
``apply``, replayable at any past date (``as_of``)."""

from medisup.services.reviews.annual import AnnualReport, annual
from medisup.services.reviews.common import Finding
from medisup.services.reviews.renewals import RenewalItem, RenewalReview, renewals
from medisup.services.reviews.terminations import (
    TerminationItem,
    TerminationReview,
    terminations,
)

__all__ = [
    "AnnualReport", "Finding", "RenewalItem", "RenewalReview", "TerminationItem",
    "TerminationReview", "annual", "renewals", "terminations",
]
