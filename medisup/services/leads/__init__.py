"""Leads (线索): a supervisor's report logged against the pack's Art. 8 taxonomy, numbered,
moved to an outcome within deadlines counted in working days, and rewarded (GX Art. 12).

Pure rules over plain values (:mod:`rules`, :mod:`deadlines`, :mod:`reward_rules`,
:mod:`items`); records and look-ups (:mod:`records`); the write side (:mod:`handling`,
:mod:`rewards`, :mod:`reporters`); the read side (:mod:`query`, the one selection behind
``lead list`` and ``export leads``, and :mod:`views`); the ledger import
(:mod:`import_ledger` over :mod:`import_facts` and :mod:`import_rows`, checking each row
with the same rules); and the consistency check (:mod:`consistency`).

The use cases the commands call are named here.
"""

from medisup.services.leads.handling import extend, log, next_number, record_outcome, transition
from medisup.services.leads.query import LeadFilter
from medisup.services.leads.records import get_lead, outcome_of
from medisup.services.leads.views import list_leads, show, taxonomy

__all__ = ["LeadFilter", "extend", "get_lead", "list_leads", "log", "next_number", "outcome_of",
           "record_outcome", "show", "taxonomy", "transition"]
