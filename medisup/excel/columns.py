"""Column specs: what a workbook column means, the headers it may carry, and the three tables."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

Kind = Literal[
    "text",
    "person_name",
    "date",
    "id_number",
    "phone",
    "decimal",
    "integer",
    "codes",
    "email",
    "credit_code",
    "interests",
]

KINDS: frozenset[str] = frozenset(Kind.__args__)  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """One column a service reads or writes.

    ``header`` is the canonical (Chinese) header: exports write it (or its localised
    ``title``) and imports match it, its ``aliases`` and the catalogue titles of every
    language.  ``codes`` columns, and any column with ``multi``, hold several values
    separated by 、，,;；/ or new lines; ``choices`` are the known values (codes or labels),
    used to keep a label that itself contains a separator in one piece.
    """

    key: str
    header: str
    aliases: tuple[str, ...] = ()
    kind: Kind = "text"
    required: bool = False
    multi: bool = False
    width: float | None = None
    allow_month: bool = False  # 出生年月: "1990-03" is a valid entry (first of the month)
    choices: tuple[str, ...] = ()
    title_key: str | None = None
    # The import's row checks refuse a blank cell, though a file may lack the column (each
    # row is then refused): templates mark it red like a required column.
    must_fill: bool = False
    required_when: str | None = None  # catalogue key: when an optional column is needed
    wrap: bool = False  # long text: wrapped in exports, its row grown to show all of it

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r} for {self.key!r}")

    @property
    def is_list(self) -> bool:
        """Whether a cell holds several values."""
        return self.multi or self.kind in ("codes", "interests")

    @property
    def marked_required(self) -> bool:
        """Whether a template marks the column red: the import needs a value in every row."""
        return self.required or self.must_fill

    @property
    def title(self) -> str:
        """The header in the user's language (what exports and templates write)."""
        if self.title_key is None:
            return self.header
        from medisup.i18n import t

        text = t(self.title_key)
        return self.header if text == self.title_key else text

    def names(self) -> tuple[str, ...]:
        """Every header text that means this column: canonical, aliases, localised titles."""
        names = [self.header, *self.aliases]
        if self.title_key is not None:
            from medisup.i18n import LANGUAGES, catalogue

            for lang in LANGUAGES:
                text = catalogue(lang).get(self.title_key)
                if text:
                    names.append(text)
        return tuple(dict.fromkeys(names))


def with_choices(
    columns: Sequence[ColumnSpec], choices: Mapping[str, Iterable[str]]
) -> tuple[ColumnSpec, ...]:
    """The same columns with known values attached (e.g. a pack's codes and labels)."""
    return tuple(
        dataclasses.replace(spec, choices=tuple(choices[spec.key])) if spec.key in choices else spec
        for spec in columns
    )


def _spec(table: str, key: str, header: str, *aliases: str, **options: object) -> ColumnSpec:
    return ColumnSpec(
        key=key,
        header=header,
        aliases=aliases,
        title_key=f"excel.headers.{table}.{key}",
        **options,  # type: ignore[arg-type]
    )


def _s(key: str, header: str, *aliases: str, **options: object) -> ColumnSpec:
    return _spec("supervisors", key, header, *aliases, **options)


def _l(key: str, header: str, *aliases: str, **options: object) -> ColumnSpec:
    return _spec("leads", key, header, *aliases, **options)


def _a(key: str, header: str, *aliases: str, **options: object) -> ColumnSpec:
    return _spec("activities", key, header, *aliases, **options)


# fmt: off
SUPERVISOR_COLUMNS: tuple[ColumnSpec, ...] = (
    _s("name", "姓名", "监督员姓名", "Name", "Full name", kind="person_name", required=True,
       width=12),
    _s("gender", "性别", "Gender", "Sex", width=8),
    _s("ethnicity", "民族", "Ethnicity", width=10),
    _s("birth_date", "出生日期", "出生年月", "Birth date", "Date of birth",
       kind="date", allow_month=True),
    _s("id_number", "身份证号", "身份证号码", "公民身份号码", "证件号码", "身份证", "ID number",
       "ID No", kind="id_number", required=True),
    _s("phone", "联系电话", "手机", "手机号", "手机号码", "联系方式", "电话", "Phone", "Mobile",
       kind="phone"),
    _s("email", "电子邮箱", "邮箱", "E-mail", "Email", "电子邮件", kind="email", width=24),
    _s("address", "通讯地址", "地址", "住址", "联系地址", "Address", width=30, wrap=True),
    _s("work_unit", "工作单位及职务", "单位及职务", "工作单位", "Work unit", width=28,
       wrap=True),
    _s("categories", "人员类别", "类别", "身份类别", "Category", "Categories",
       kind="codes", multi=True, must_fill=True, width=18, wrap=True),
    _s("background", "专业背景", "专业", "Background", width=12),
    _s("channel", "选聘方式", "聘用方式", "聘任方式", "Channel", must_fill=True, width=12),
    _s("recommending_body", "推荐单位", "推荐部门", "Recommending body", width=16),
    _s("department", "所属部门代码", "部门代码", "行政区划代码", "Department", width=14),
    _s("applied_on", "申请日期", "报名日期", "Applied on", kind="date"),
    _s("status", "状态", "Status", width=10),
    _s("term_start", "聘期起始", "聘任日期", "聘期开始", "Term start", kind="date"),
    _s("term_end", "聘期截止", "聘期结束", "Term end", kind="date"),
    _s("consent_on", "同意续聘日期", "本人同意续聘日期", "续聘同意日期", "同意续聘时间",
       "Consent date", "Renewal consent date", kind="date"),
    _s("certificate", "聘书编号", "Certificate", width=18),
    _s("interests", "利益关系机构", "申报利益关系", "Interests", kind="interests", width=36,
       wrap=True),
    _s("note", "备注", "Note", "Notes", width=24),
)

LEAD_COLUMNS: tuple[ColumnSpec, ...] = (
    _l("number", "线索编号", "编号", "Lead number", "Number", width=18),
    _l("supervisor_id_number", "监督员身份证号", "反映人身份证号", "Supervisor ID number",
       kind="id_number", required=True),
    _l("supervisor_name", "监督员姓名", "反映人", "Supervisor", "Supervisor name",
       kind="person_name", width=12),
    _l("received_on", "受理日期", "接收日期", "反映日期", "Received on",
       kind="date", required=True),
    _l("channel", "反映方式", "反映渠道", "Channel", must_fill=True, width=10),
    _l("target_kind", "对象类型", "Target kind", width=12,
       required_when="excel.required_when.target_kind"),
    _l("target_name", "被反映对象", "对象名称", "机构名称", "Target", required=True, width=28,
       wrap=True),
    _l("target_credit_code", "统一社会信用代码", "信用代码", "Credit code", kind="credit_code",
       required_when="excel.required_when.credit_code"),
    _l("items", "问题类别", "线索类别", "违规类型", "Items",
       kind="codes", multi=True, required=True, width=30, wrap=True),
    _l("description", "线索内容", "问题描述", "反映内容", "Description", width=40, wrap=True),
    _l("amount", "涉及金额（元）", "涉及金额", "金额", "Amount", kind="decimal"),
    _l("status", "办理状态", "状态", "Status", width=10),
    _l("handling_unit", "承办科室", "Handling unit", width=14),
    _l("verified_amount", "查实金额（元）", "查实金额", "Verified amount", kind="decimal"),
    _l("recovered_amount", "追回金额（元）", "追回金额", "Recovered amount", kind="decimal"),
    _l("department", "所属部门代码", "部门代码", "Department", width=14),
)

# What a lead export adds after the import columns: the deadlines the service computed and
# whether the lead is overdue on the export day.  Import does not read them back (the
# deadlines follow from the lead's dates) and passes over them without a word.
LEAD_DEADLINE_COLUMNS: tuple[ColumnSpec, ...] = (
    _l("accept_by", "受理期限", "Accept by", kind="date"),
    _l("handle_by", "办结期限", "Handle by", kind="date"),
    _l("overdue", "是否逾期", "Overdue", width=10),
)

ACTIVITY_COLUMNS: tuple[ColumnSpec, ...] = (
    _a("number", "活动编号", "Activity number", "Number", width=18),
    _a("kind", "活动形式", "形式", "Form", "Kind", required=True, width=12),
    _a("date", "日期", "活动日期", "Date", kind="date", required=True),
    _a("topic", "主题", "Topic", width=28),
    _a("institutions", "被检查机构", "Institutions", width=30),
    _a("participants", "参加人员身份证号", "Participants", kind="id_number", multi=True, width=40),
    _a("department", "所属部门代码", "Department", width=14),
)
# fmt: on


def column_letter(index: int) -> str:
    """Excel's letters for a 0-based column index (0 → A, 27 → AB)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
