"""Activities and meetings (nm Art. 4, 10(三), 13; GX Art. 6, 10(二), 11): recording and
planning them, attendance, the participant proposal with recusal, and opinions."""

from medisup.services.activities.records import (
    ActivityDetail,
    ActivityRow,
    Institution,
    ParticipantView,
    pair_institutions,
)
from medisup.services.activities.views import Candidate, Proposal, list_activities, propose, show
from medisup.services.activities.write import (
    NewActivity,
    OpinionView,
    add,
    attend,
    cancel,
    record_opinion,
)

__all__ = [
    "ActivityDetail", "ActivityRow", "Candidate", "Institution", "NewActivity", "OpinionView",
    "ParticipantView", "Proposal", "add", "attend", "cancel", "list_activities",
    "pair_institutions", "propose", "record_opinion", "show",
]
