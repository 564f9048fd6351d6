"""Departments: the bureau tree by administrative-division code, packs and quotas."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from medisup import clock
from medisup.errors import InvalidValue, NotFound, RuleViolation
from medisup.i18n import t
from medisup.services.dept_tree import children_by_parent, subtree_codes
from medisup.tables import department

# Reads (lists, scope, counts) use the Core table and work on an ORM session or a plain
# connection alike; writes and ``get`` use the model, imported where they need it.

if TYPE_CHECKING:
    from sqlmodel import Session

    from medisup.models import Department
    from medisup.packs import Pack
    from medisup.services.uow import UnitOfWork

# GB/T 2260 province-level prefixes.
PROVINCES = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省", "31": "上海市", "32": "江苏省",
    "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省", "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区",
    "46": "海南省", "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省",
    "54": "西藏自治区", "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区", "71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区",
}
_CODE = re.compile(r"^\d{6}$")


@dataclass(frozen=True)
class DepartmentPublic:
    code: str
    name: str
    parent_code: str | None
    level: str
    pack: str
    quota: int | None
    depth: int = 0
    serving: int = 0
    children: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def level_of(code: str) -> str:
    """province / city / county, read from the code's structure."""
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "city"
    return "county"


def validate_code(code: str) -> str:
    """A 6-digit GB/T 2260 code with a real province prefix."""
    code = (code or "").strip()
    field = t("field.dept_code")
    if not _CODE.match(code):
        raise InvalidValue(field, code, t("dept.expect_code"))
    if code[:2] not in PROVINCES:
        raise InvalidValue(field, code, t("dept.expect_province"))
    if code[2:4] == "00" and code[4:] != "00":
        raise InvalidValue(field, code, t("dept.expect_code"))
    return code


def _fits_parent(code: str, parent: str) -> bool:
    level = level_of(parent)
    if code == parent:
        return False
    if level == "province":
        return code[:2] == parent[:2]
    if level == "city":
        return code[:4] == parent[:4] and level_of(code) == "county"
    return False


def count(session: Session) -> int:
    return session.execute(select(func.count()).select_from(department)).scalar_one()


def get(session: Session, code: str) -> Department:
    from medisup.models import Department

    dept = session.get(Department, code)
    if dept is None:
        raise NotFound(t("dept.not_found", code=code))
    return dept


def pack_of(session: Session, code: str):
    """The regulation pack a department follows."""
    from medisup.packs import load_pack

    name = session.execute(select(department.c.pack).where(department.c.code == code)).scalar()
    if name is None:
        raise NotFound(t("dept.not_found", code=code))
    return load_pack(name)


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise InvalidValue(t("field.dept_name"), name, t("dept.expect_name"))
    return name


def _check_quota(quota: int | None) -> int | None:
    if quota is not None and quota < 0:
        raise InvalidValue(t("field.quota"), quota, t("dept.expect_quota"))
    return quota


def _check_pack(pack: str) -> str:
    from medisup.packs import load_pack

    return load_pack(pack).name


def add(
    uow: UnitOfWork,
    *,
    code: str,
    name: str,
    parent: str | None = None,
    pack: str | None = None,
    quota: int | None = None,
    first: bool = False,
) -> DepartmentPublic:
    """Register a department below ``parent`` (or the first, top department at init)."""
    from medisup.models import Department

    session = uow.session
    code = validate_code(code)
    name = _check_name(name)
    quota = _check_quota(quota)
    if session.get(Department, code) is not None:
        raise RuleViolation(t("dept.exists", code=code))
    if first:
        # Another top department may join a shared (e.g. national) database only at
        # province level; everything else hangs below an existing department.
        if parent is None and count(session) and level_of(code) != "province":
            raise RuleViolation(t("dept.already_initialised"))
        if pack is None:
            raise InvalidValue(t("field.pack"), "", t("dept.expect_pack"))
    if parent is None and not first:
        parent = uow.require_dept()
    if parent is not None:
        parent = validate_code(parent)
        parent_dept = get(session, parent)
        if not first:
            uow.check_scope(parent)
        if not _fits_parent(code, parent):
            raise InvalidValue(t("field.dept_code"), code, t("dept.expect_child", parent=parent))
        pack = pack or parent_dept.pack
    pack = _check_pack(pack)
    dept = Department(code=code, name=name, parent_code=parent, pack=pack, quota=quota,
                      created_at=clock.now())
    session.add(dept)
    session.flush()
    uow.audit("create", "department", code, after=_snapshot(dept))
    return _public(session, dept)


def update(
    uow: UnitOfWork, code: str, *, name: str | None = None, quota: int | None = None,
    clear_quota: bool = False,
) -> DepartmentPublic:
    """Rename a department or change its quota."""
    code = validate_code(code)
    uow.check_scope(code)
    dept = get(uow.session, code)
    before = _snapshot(dept)
    if name is not None:
        dept.name = _check_name(name)
    if clear_quota:
        dept.quota = None
    elif quota is not None:
        dept.quota = _check_quota(quota)
    after = _snapshot(dept)
    if after != before:
        uow.session.add(dept)
        uow.audit("update", "department", code, before=before, after=after)
    return _public(uow.session, dept)


def _snapshot(dept: Department) -> dict:
    return {"code": dept.code, "name": dept.name, "parent_code": dept.parent_code,
            "pack": dept.pack, "quota": dept.quota}


def _serving_counts(session: Session, codes: list[str]) -> dict[str, int]:
    from medisup.services.roster import serving_counts

    return serving_counts(session, codes)


def _public(session: Session, dept: Any, *, depth: int = 0,
            serving: int | None = None, children: int | None = None) -> DepartmentPublic:
    if serving is None:
        serving = _serving_counts(session, [dept.code]).get(dept.code, 0)
    if children is None:
        children = session.execute(
            select(func.count()).select_from(department)
            .where(department.c.parent_code == dept.code)
        ).scalar_one()
    return DepartmentPublic(
        code=dept.code, name=dept.name, parent_code=dept.parent_code, level=level_of(dept.code),
        pack=dept.pack, quota=dept.quota, depth=depth, serving=serving, children=children,
    )


def list_departments(uow: UnitOfWork, *, under: str | None = None) -> list[DepartmentPublic]:
    """The operator's department and those below it (or a subtree of it), in tree order."""
    session = uow.session
    root = uow.require_dept()
    if under:
        under = validate_code(under)
        uow.check_scope(under)
        root = under
    codes = subtree_codes(session, root)
    depts = {d.code: d for d in session.execute(
        select(department).where(department.c.code.in_(codes)))}
    tree = children_by_parent(session)
    serving = _serving_counts(session, codes)
    depth: dict[str, int] = {root: 0}
    out = []
    for code in codes:
        dept = depts[code]
        if dept.parent_code in depth and code != root:
            depth[code] = depth[dept.parent_code] + 1
        out.append(_public(session, dept, depth=depth.get(code, 0), serving=serving.get(code, 0),
                           children=len(tree.get(code, []))))
    return out


def show(uow: UnitOfWork, code: str) -> DepartmentPublic:
    code = validate_code(code)
    uow.check_scope(code)
    return _public(uow.session, get(uow.session, code))


def check_department(uow: UnitOfWork, code: str | None) -> Department:
    """The department named (default: the operator's own), which must be in scope."""
    code = validate_code(code) if code else uow.require_dept()
    dept = get(uow.session, code)
    uow.check_scope(code)
    return dept


def scoped_with_packs(uow: UnitOfWork) -> list[tuple[Department, Pack]]:
    """The departments in the operator's scope, each with its pack (each pack read once):
    what a bulk import checks its rows against."""
    from medisup.models import Department
    from medisup.packs import load_pack

    packs: dict[str, Pack] = {}
    out = []
    for dept in uow.session.scalars(select(Department).where(
            Department.code.in_(sorted(uow.scope)))):
        if dept.pack not in packs:
            packs[dept.pack] = load_pack(dept.pack)
        out.append((dept, packs[dept.pack]))
    return out
