"""The supervisor import's column checks: each distinct value of a column judged once
with the check the commands use."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any

from medisup.errors import InvalidValue, MedisupError
from medisup.i18n import t
from medisup.identifiers import id_birth_date, id_gender
from medisup.services.supervisors import eligibility, identity

if TYPE_CHECKING:
    pass

from medisup.services.supervisors.import_facts import Dept


def _attempt(check: Callable[[Any], Any], value: Any) -> Any:
    """``check(value)``, or the error it raised (so a column goes through ``map``)."""
    if value is None:
        return None
    try:
        result = check(value)
    except MedisupError as exc:
        return exc
    # The adapter has mostly cleaned the cell already: keep one string, not two equal ones.
    return value if result.__class__ is value.__class__ and result == value else result

class ColumnChecks:
    """Column-wise checks (a part of the import's checker)."""

    # ---------------------------------------------------------------- column checks

    def _column(self, key: str) -> list[Any]:
        """The cleaned cells of one column (all ``None`` for a column the file lacks)."""
        found = self.columns.get(key)
        if found is None:
            found = self.columns[key] = self.table.column(key)
        return found

    def _check_column(self, key: str, check: Callable[[Any], Any], *,
                      inputs: list[Any] | None = None, distinct: bool = True,
                      on_error: Callable[[int, MedisupError], None] | None = None,
                      store: str | None = None, plain: int | None = None) -> list[Any]:
        """``check`` over a column (or over ``inputs`` built from it): clean values, with
        every refusal flagged on its cell and replaced by ``None``.  A repetitive column
        is judged once per distinct value.  ``plain``: the length limit of a text field
        checked by ``identity.check_text``, which returns a text of no more than that
        many characters and without spaces or control characters as it is."""
        if inputs is None and key not in self.table.positions:
            out = self.checked[store or key] = self._column(key)
            return out
        values = self._column(key) if inputs is None else inputs
        if plain is not None:
            verdict = {value: value if value.__class__ is str and 0 < len(value) <= plain
                       and value.isprintable() and " " not in value
                       else _attempt(check, value) for value in set(values)}
            out = list(map(verdict.__getitem__, values))
        elif distinct:
            verdict = {value: _attempt(check, value) for value in set(values)}
            out = list(map(verdict.__getitem__, values))
        else:
            out = list(map(partial(_attempt, check), values))
        if any(issubclass(kind, MedisupError) for kind in set(map(type, out))):
            for i, result in enumerate(out):
                if isinstance(result, MedisupError):
                    if on_error is not None:
                        on_error(i, result)
                    else:
                        self._flag(i, key, getattr(result, "expected", result.message))
                    out[i] = None
        self.checked[store or key] = out
        return out

    def _check_columns(self) -> None:
        self._check_ids()
        self._load()
        default = self.depts.get(self.default_dept)
        refused: set[int] = set()

        def refuse(i: int, exc: MedisupError) -> None:
            refused.add(i)
            self._flag(i, "department", getattr(exc, "expected", exc.message))

        depts = self._check_column("department", self._department, on_error=refuse)
        # An empty cell means the default department; a refused one, none at all.
        depts = self.checked["department"] = [
            None if refused and i in refused else d or default for i, d in enumerate(depts)]
        packs = [d.pack.name if d is not None else None for d in depts]
        for key in ("name", "address", "ethnicity", "work_unit"):
            self._check_column(key, partial(identity.check_text, key),
                               plain=identity.TEXT_LIMITS[key])
        # The reader cleaned phones and e-mail addresses with the function these checks
        # call (medisup.identifiers): what it kept passes them again unchanged.
        self.checked["phone"] = self._column("phone")
        self.checked["email"] = self._column("email")
        self._check_column("gender", identity.parse_gender)
        self._check_column("status", _parse_status)
        self._check_column("background", self._background,
                           inputs=list(zip(packs, self._column("background"), strict=True)))
        self._check_column("categories", self._categories,
                           inputs=list(zip(packs, self._column("categories"), strict=True)))
        self._check_column("channel", self._channel, on_error=self._channel_error,
                           inputs=list(zip(packs, self._column("channel"),
                                           self._column("recommending_body"), strict=True)))
        self._check_column("interests", _interests)

    def _check_ids(self) -> None:
        """Birth date, gender and whether the birthplace code is known, for every ID
        number, as ``identity.parse_id_number`` reads them.  Its verdict on the birth
        date is taken once per date and on the birthplace once per code and birth year
        (the only inputs it reads them from; ``number[:10]``); a number it refuses goes
        to it row by row, so the message is its own."""
        births, regions, today = self.births, self.regions, self.today
        ids = self._column("id_number")
        present = [number for number in ids if number is not None]
        for key, number in {number[6:14]: number for number in present}.items():
            if key not in births:
                births[key] = id_birth_date(number, today)
        # The first number of each birthplace and year whose birth date is valid.
        firsts = {number[:10]: number for number in reversed(present)
                  if births[number[6:14]] is not None}
        for key, number in firsts.items():
            if key not in regions:
                try:
                    regions[key] = identity.parse_id_number(number, today=today).region_known
                except InvalidValue:
                    pass  # refused on each of its rows below
        out: list[tuple[date, str, bool] | None] = [
            None if number is None or (birth := births[number[6:14]]) is None
            or (known := regions.get(number[:10])) is None
            else (birth, id_gender(number), known)
            for number in ids]
        if out.count(None) > len(ids) - len(present):  # a number refused
            for i, number in enumerate(ids):
                if number is None or out[i] is not None:
                    continue
                try:
                    info = identity.parse_id_number(number, today=today)
                except InvalidValue as exc:
                    self._flag(i, "id_number", exc.expected)
                    continue
                regions[number[:10]] = info.region_known
                out[i] = (info.birth_date, id_gender(number), info.region_known)
        self.checked["id_info"] = out

    def _department(self, text: str) -> Dept:
        from medisup.services.departments import validate_code

        code = validate_code(text)
        dept = self.depts.get(code)
        if dept is None:
            raise InvalidValue(t("field.dept_code"), code,
                               t("scope.outside", code=code, dept=self.uow.actor.dept))
        return dept

    def _background(self, given: tuple[str | None, str | None]) -> str | None:
        pack, text = given
        if pack is None or text is None:
            return None
        return self.packs[pack].resolve("backgrounds", text).code

    def _categories(self, given: tuple[str | None, tuple[str, ...] | None]
                    ) -> tuple[str, ...] | None:
        """Category codes (or labels), each refused item named in one message."""
        pack, texts = given
        if pack is None or not texts:
            return None
        codes: list[str] = []
        refused: list[str] = []
        for text in texts:
            try:
                code = self.packs[pack].resolve("categories", text).code
            except InvalidValue as exc:
                refused.append(t("excel.expected.item", item=text, problem=exc.expected))
                continue
            if code not in codes:
                codes.append(code)
        if refused:
            raise InvalidValue(t("supervisor.field.categories"), "、".join(texts),
                               t("pack.list_sep").join(refused))
        return tuple(codes)

    def _channel(self, given: tuple[str | None, str | None, str | None]
                 ) -> tuple[str, str | None] | None:
        pack, channel, body = given
        if pack is None:
            return None
        if channel is None:
            raise InvalidValue(t("excel.headers.supervisors.channel"), "",
                               t("excel.expected.required"))
        return eligibility.check_channel(self.packs[pack], channel, body)

    def _channel_error(self, i: int, exc: MedisupError) -> None:
        body = isinstance(exc, InvalidValue) and exc.field == identity.field_label(
            "recommending_body")
        self._flag(i, "recommending_body" if body else "channel",
                   getattr(exc, "expected", exc.message))

def _parse_status(text: str) -> str:
    from medisup.services.supervisors.records import parse_status

    try:
        return parse_status(text)
    except InvalidValue as exc:
        raise InvalidValue(t("excel.headers.supervisors.status"), text, exc.expected) from None


def _interests(items: tuple[Any, ...]) -> tuple[identity.InterestData, ...]:
    """Declared interests, each checked as ``supervisor interests add`` checks one.  The
    credit code has passed the GB 32100 check in the workbook adapter already (shape and
    check character, :func:`medisup.identifiers.credit_code`, as every command), so only the
    institution's name is left to check here."""
    out = []
    refused = []
    for item in items:
        try:
            out.append(identity.InterestData(identity.check_interest(item.name).name,
                                             item.credit_code))
        except InvalidValue as exc:
            refused.append(t("excel.expected.item", item=str(item), problem=exc.expected))
    if refused:
        raise InvalidValue(identity.field_label("institution"), "", t("pack.list_sep").join(
            refused))
    return tuple(out)
