"""Departments: division codes, the tree, packs, quotas and the operator's scope."""

from __future__ import annotations

import pytest

from medisup.errors import InvalidValue, NotFound, RuleViolation, ScopeError
from medisup.services import departments


def test_seeded_tree_lists_subtree_in_order(seeded):
    with seeded.uow("150100", write=False) as uow:
        codes = [d.code for d in departments.list_departments(uow)]
    assert codes == ["150100", "150102", "150103"]


def test_child_inherits_parent_pack(seeded):
    with seeded.uow("450000", write=False) as uow:
        assert departments.show(uow, "450102").pack == "gx-trial"


@pytest.mark.parametrize("code", ["15010", "1501021", "abcdef", "990000", "150012"])
def test_bad_division_code_is_refused(seeded, code):
    with pytest.raises(InvalidValue) as err, seeded.uow("150000") as uow:
        departments.add(uow, code=code, name="某局", parent="150000")
    assert code in err.value.message


def test_code_must_sit_below_its_parent(seeded):
    with pytest.raises(InvalidValue) as err, seeded.uow("150100") as uow:
        departments.add(uow, code="150202", name="东河区医疗保障局", parent="150100")
    assert "150100" in err.value.message


def test_duplicate_department_is_refused_and_nothing_written(seeded):
    with pytest.raises(RuleViolation), seeded.uow("150000") as uow:
        departments.add(uow, code="150102", name="重复", parent="150100")
    with seeded.uow("150000", write=False) as uow:
        assert departments.show(uow, "150102").name == "新城区医疗保障局"


def test_write_outside_scope_is_refused(seeded):
    with pytest.raises(ScopeError), seeded.uow("150102") as uow:
        departments.add(uow, code="150104", name="玉泉区医疗保障局", parent="150100")


def test_read_outside_scope_is_refused(seeded):
    with pytest.raises(ScopeError), seeded.uow("150102", write=False) as uow:
        departments.show(uow, "150103")


def test_unknown_pack_is_refused(seeded):
    with pytest.raises(InvalidValue) as err, seeded.uow("150000") as uow:
        departments.add(uow, code="150104", name="玉泉区", parent="150100", pack="hn-2025")
    assert "hn-2025" in err.value.message


def test_unknown_acting_department(seeded):
    with pytest.raises(NotFound), seeded.uow("150999", write=False) as uow:
        departments.list_departments(uow)


def test_update_quota_is_audited(seeded):
    from medisup.services import audit

    with seeded.uow("150100") as uow:
        departments.update(uow, "150102", quota=5)
    with seeded.uow("150100", write=False) as uow:
        assert departments.show(uow, "150102").quota == 5
        entry = audit.log(uow.session, entity="department", entity_id="150102", limit=1)[0]
    assert entry["action"] == "update"
    assert entry["before"]["quota"] == 3 and entry["after"]["quota"] == 5
