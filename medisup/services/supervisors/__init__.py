"""Supervisors (社会监督员): a person's application, appointment terms, certificates,
complaints about them and the roster views.

Pure rules over plain facts (:mod:`rules` — serving, last day, places against a quota,
blocking terminations, the status on a day; :mod:`eligibility`; :mod:`identity` — a
person's fields checked); records and read models (:mod:`records`, :mod:`people`); the use
cases (:mod:`applications`, :mod:`terms`, :mod:`complaints`, :mod:`certificates`); the
read side (:mod:`query`, the one selection behind ``supervisor list`` and ``export
supervisors``, and :mod:`views`); and the roster import (:mod:`import_roster` over
:mod:`import_columns`, :mod:`import_facts` and :mod:`import_rows`, checking each row with
the same rules).

The use cases the commands call are named here.
"""

from medisup.services.supervisors.applications import (
    add_interest,
    apply,
    list_interests,
    reject,
    remove_interest,
    update,
)
from medisup.services.supervisors.records import status_label
from medisup.services.supervisors.terms import (
    approve,
    offered_ground,
    record_consent,
    record_discipline,
    renew,
    terminate,
)
from medisup.services.supervisors.views import list_supervisors, show

__all__ = ["add_interest", "apply", "approve", "list_interests", "list_supervisors",
           "offered_ground", "record_consent", "record_discipline", "reject", "remove_interest",
           "renew", "show", "status_label", "terminate", "update"]
