"""Leads (线索): a supervisor's report logged against the pack's Art. 8 taxonomy, numbered,
moved to an outcome within deadlines counted in working days, and rewarded (GX Art. 12).

Pure rules over plain values (:mod:`rules`, :mod:`deadlines`, :mod:`reward_rules`,
:mod:`items`); records and look-ups (:mod:`records`); the write side (:mod:`handling`,
:mod:`rewards`, :mod:`reporters`); the read side (:mod:`query`, the one selection behind
``lead list`` and ``export leads``, and :mod:`views`); the ledger import
(:mod:`import_ledger` over :mod:`import_facts` and :mod:`import_rows`, checking each row
with the same rules); and the consistency check (:mod:`consistency`).

The use cases the commands call are named here, each loaded on first use: a list reads
through Core and should not pay for the modules that write.
"""

from importlib import import_module
from typing import Any

_WHERE = {
    "extend": "handling", "log": "handling", "next_number": "handling",
    "record_outcome": "handling", "transition": "handling", "LeadFilter": "query",
    "get_lead": "records", "outcome_of": "records", "list_leads": "views", "show": "views",
    "taxonomy": "views",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_WHERE[name]}"), name)
