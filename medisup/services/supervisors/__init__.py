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

The use cases the commands call are named here, each loaded on first use (see
``services.leads``).
"""

from importlib import import_module
from typing import Any

_WHERE = {
    "add_interest": "applications", "apply": "applications", "list_interests": "applications",
    "reject": "applications", "remove_interest": "applications", "update": "applications",
    "status_label": "records", "approve": "terms", "offered_ground": "terms",
    "record_consent": "terms", "record_discipline": "terms", "renew": "terms",
    "terminate": "terms", "list_supervisors": "views", "show": "views",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_WHERE[name]}"), name)
