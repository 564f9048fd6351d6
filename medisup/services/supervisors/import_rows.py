"""The supervisor import's row checks and planning: where fields meet (gender against
the ID number, the term against the history and the quota), and the rows to write.

Over 400 lines: one checker class whose row checks share the loaded facts and the places
counted so far; each check calls the rule of :mod:`rules`, none is written here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING

from medisup.excel.normalise import MonthDate
from medisup.i18n import t
from medisup.packs import Pack
from medisup.services.masking import mask_id_number
from medisup.services.supervisors import eligibility, identity, rules
from medisup.services.supervisors.eligibility import History, ServingFact
from medisup.services.supervisors.identity import REFRESHED

if TYPE_CHECKING:
    pass

from medisup.services.supervisors.import_facts import (
    APPOINTED,
    FINDING_COLUMN,
    FIRST_TERM,
    Dept,
    FindingRow,
    Known,
    _history,
)


class RowChecks:
    """Row-wise checks and the plan of writes (a part of the import's checker)."""

    # ---------------------------------------------------------------- row checks

    def run(self) -> None:
        from medisup.excel.headers import refuse_masked_export

        table = self.table
        # A masked export imported back: one message, not an error on every row.
        refuse_masked_export(table, "id_number")
        for problem in [*table.problems, *table.duplicates("id_number")]:
            self.problems.append(problem)
            self.bad_rows.add(problem.row)
            self.bad_cells.add((problem.row, problem.column_key))
        total = len(self.rows)
        self.tick("check", 0, total)
        self._check_columns()
        self.tick("check", total // 2, total)
        c = self.checked
        self.ids = ids = self._column("id_number")
        infos, depts, names, genders, statuses = (
            c["id_info"], c["department"], c["name"], c["gender"],
            c["status"])
        categories, channels = c["categories"], c["channel"]
        births, starts, ends, applied = (self._column("birth_date"),
                                         self._column("term_start"),
                                         self._column("term_end"),
                                         self._column("applied_on"))
        people, bad_rows, today, term_ends = self.people, self.bad_rows, self.today, \
            self.term_ends
        numbers = [row.number for row in self.rows]
        created = 0
        for i in range(total):
            info = infos[i]
            number = ids[i]
            known = people.get(number) if number is not None else None
            dept = depts[i]
            if info is not None:
                if (genders[i] is not None and genders[i] != info[1]) \
                        or (births[i] is not None and births[i] != info[0]):
                    self._agree(i, info, genders[i], births[i])
                if known is None and dept is not None and not categories[i] \
                        and not self._is_bad(i, "categories"):
                    self._flag(i, "categories", t(
                        "identity.expect_category",
                        choices="、".join(dept.pack.codes("categories"))))
            if known is not None and not rules.same_name(known.name, names[i]):
                self._flag(i, "name", t("supervisor.expect_same_name",
                                        person=mask_id_number(number)))
            start, status, day = starts[i], statuses[i], applied[i]
            if start is not None and status is None and ends[i] is None and dept is not None \
                    and (day is None or day <= start <= today):
                end = term_ends.get((dept.pack.name, start))
                if end is None:
                    end = term_ends[dept.pack.name, start] = dept.pack.term_end(start)
            else:
                start, end = self._term_dates(i, dept, status, start, ends[i], day)
            if numbers[i] in bad_rows or dept is None or info is None or channels[i] is None:
                continue
            if known is None and start is not None and status is None:
                # The usual roster row: a new person appointed (the short way to
                # _plan_appointment, which would come to the same checks).
                ref = -(len(self.new_people) + 1)
                if self._appoint_new(i, dept, ref, info, channels[i], start, end, day):
                    self._add_person(i, ref, day or start)
                    created += 1
                continue
            self._plan(i, dept, known, info, channels[i], status, start, end, day)
        self.tally.created += created
        self.tick("check", total, total)

    def _agree(self, i: int, info: tuple[date, str, bool], gender: str | None,
               birth: date | None) -> None:
        """Gender and birth date, when given, agree with the ID number."""
        if gender is not None and gender != info[1]:
            self._flag(i, "gender", t("identity.expect_gender_from_id",
                                      gender=t(f"supervisor.gender.{info[1]}")))
        if birth is not None and not self._is_bad(i, "birth_date"):
            same = (birth.year, birth.month) == (info[0].year, info[0].month) \
                if isinstance(birth, MonthDate) else birth == info[0]
            if not same:
                self._flag(i, "birth_date", t("identity.expect_birth_from_id",
                                              birth=info[0].isoformat()))

    def _term_dates(self, i: int, dept: Dept | None, status: str | None, start: date | None,
                    end: date | None, applied: date | None) -> tuple[date | None, date | None]:
        if applied is not None and applied > self.today:
            self._flag(i, "applied_on", t("supervisor.expect_not_future",
                                          today=self.today.isoformat()))
        if start is None:
            if status in APPOINTED and not self._is_bad(i, "term_start"):
                self._flag(i, "term_start" if "term_start" in self.table.positions
                           else "status", t("import.expect_term_start"))
            if end is not None:
                self._flag(i, "term_end", t("import.expect_no_term_end"))
            return None, None
        if status == "pending":
            self._flag(i, "status", t("import.expect_status_with_term"))
        problem = rules.not_before_application(start, applied) if applied else None
        if problem:
            self._flag(i, "term_start", problem)
        if dept is None:
            return start, end
        pack = dept.pack
        expected = self.term_ends.get((pack.name, start))
        if expected is None:
            expected = self.term_ends[pack.name, start] = pack.term_end(start)
        if end is not None and end != expected:
            self._flag(i, "term_end", t("import.expect_term_end", end=expected.isoformat(),
                                        years=pack.term_years, article=pack.term_article))
        return start, expected

    def _evaluate(self, pack: Pack, info: tuple[date, str, bool], number: str,
                  history: History | None, on: date, start: date | None, end: date | None,
                  appointment: bool) -> tuple[list[FindingRow], list[eligibility.Check],
                                              list[FindingRow]]:
        """``eligibility.evaluate`` once per distinct set of the inputs it depends on: the
        findings (as rows to store), what stands in the way, and the warnings (as rows)."""
        birth, _, region_known = info
        ages = (birth, on, start, end) if pack.age_range else None
        key = (pack.name, appointment, region_known, None if region_known else number[:6],
               ages, history, number[:1] == "9")
        found = self.evaluations.get(key)
        if found is None:
            declared = {code: ("met", None) for code in pack.codes("criteria")} \
                if appointment else {}
            checks = eligibility.evaluate(
                pack, birth_date=birth, region_code=number[:6], region_known=region_known,
                declared=declared, history=history or History(), on=on, term_start=start,
                term_end=end, id_number=number)
            found = self.evaluations[key] = (
                [(c.code, c.result, c.note, c.automatic) for c in checks],
                eligibility.problems(checks),
                [(c.code, c.result, c.note, c.automatic) for c in checks
                 if c.result == "warning"])
        return found

    # ---------------------------------------------------------------- planning

    def _plan(self, i: int, dept: Dept, known: Known | None, info: tuple[date, str, bool],
              channel: tuple[str, str | None], status: str | None, start: date | None,
              end: date | None, applied: date | None) -> None:
        """The row's writes, planned only when every check passes; a new person is
        referred to as -k (the k-th new one), a new application likewise."""
        ref = known.id if known is not None else -(len(self.new_people) + 1)
        if start is not None:
            done = self._plan_appointment(i, dept, known, ref, info, channel, start, end,
                                          applied, status)
        else:
            done = self._plan_application(i, dept, known, ref, info, channel,
                                          applied or self.today, status)
        if done is None:
            return
        declared_on = applied or start or self.today
        if known is None:
            self._add_person(i, ref, declared_on)
            outcome = "created"
        else:
            outcome = self._plan_changes(i, known, declared_on)
        self.tally.add("created" if "created" in (done, outcome)
                       else "updated" if "updated" in (done, outcome) else "unchanged")

    def _add_person(self, i: int, ref: int, declared_on: date) -> None:
        """Row ``i`` creates person ``ref`` (its columns are taken at writing time)."""
        self.new_people.append(i)
        found = self.checked["interests"][i]
        if found:
            self._new_interests(ref, found, declared_on)

    def _new_interests(self, ref: int, found: Sequence[identity.InterestData],
                       declared_on: date) -> None:
        seen: list[identity.InterestData] = []
        for interest in found:
            if not any(rules.same_interest(s.name, s.credit_code, interest.name,
                                           interest.credit_code) for s in seen):
                seen.append(interest)
                self.new_interests.append((ref, interest.name, interest.credit_code,
                                           declared_on))

    def _plan_changes(self, i: int, known: Known, declared_on: date) -> str:
        c = self.checked
        outcome = "unchanged"
        changes = {k: c[k][i] for k in REFRESHED
                   if c[k][i] is not None and c[k][i] != known.values[k]}
        if changes:
            self.person_updates.append((known.id, changes, {k: known.values[k] for k in changes}))
            outcome = "updated"
        categories = c["categories"][i]
        if categories and tuple(sorted(categories)) != known.categories:
            self.category_updates.append((known.id, categories, known.categories))
            outcome = "updated"
        for interest in c["interests"][i] or ():
            if not any(rules.same_interest(name, code, interest.name, interest.credit_code)
                       for name, code in known.interests):
                known.interests.append((interest.name, interest.credit_code))
                self.new_interests.append((known.id, interest.name, interest.credit_code,
                                           declared_on))
                outcome = "updated"
        return outcome

    def _serving(self, known: Known | None, start: date, end: date) -> tuple[ServingFact, ...]:
        if known is None:
            return ()
        return rules.serving_in(known.terms, start, end)

    def _plan_appointment(self, i: int, dept: Dept, known: Known | None, ref: int,
                          info: tuple[date, str, bool], channel: tuple[str, str | None],
                          start: date, end: date, applied: date | None,
                          status: str | None) -> str | None:
        if known is None and status is None:
            return self._appoint_new(i, dept, ref, info, channel, start, end, applied)
        terms = [x for x in known.terms if x.department_code == dept.code] if known else ()
        if any(x.start_date == start for x in terms):
            return "unchanged"
        if status is not None and status not in APPOINTED:
            self._flag(i, "status", t("import.expect_status_known",
                                      status=t(f"supervisor.status.{status}")))
            return None
        pending = [a for a in known.applications if a.department_code == dept.code
                   and a.status == "pending"] if known else ()
        if pending:
            applied = applied or pending[0].applied_on
            problem = rules.not_before_application(start, pending[0].applied_on)
            if problem:
                self._flag(i, "term_start", problem)
                return None
        applied = applied or min(start, self.today)
        decided = max(min(start, self.today), applied)
        previous = next((x for x in terms if x.terminated_on is None
                         and x.end_date + timedelta(days=1) == start), None)
        consent = None
        if previous is not None:
            ok, consent = self._renewal_consent(i, dept.pack, previous, start, decided)
            if not ok:
                return None
        history = _history(self._serving(known, start, end), known)
        _, refused, warnings = self._evaluate(dept.pack, info, self.ids[i],
                                              history, decided, start, end, True)
        if refused:
            self._refused(i, refused)
            return None
        if not self._take_place(i, dept, ref, start, end):
            return None
        if pending:
            app = pending[0]
            app_ref = app.id
            self.app_updates.append((app.id, {"status": "approved", "decided_on": decided},
                                     {"status": app.status, "decided_on": app.decided_on,
                                      "decision_note": app.decision_note}))
        else:
            app_ref = -(len(self.new_apps) + 1)
            self.new_apps.append((ref, dept.code, channel[0], channel[1], applied, "approved",
                                  decided))
        if warnings:
            self._add_findings(app_ref, warnings)
        if previous is not None:
            self.term_updates.append((previous.id, {"renewed": True}, {"renewed": False}))
        self.new_terms.append((ref, dept.code, app_ref, rules.term_number(len(terms)), start,
                               end, consent))
        return "created"

    def _appoint_new(self, i: int, dept: Dept, ref: int, info: tuple[date, str, bool],
                     channel: tuple[str, str | None], start: date, end: date,
                     applied: date | None) -> str | None:
        """``_plan_appointment`` for a person new to the database (most roster rows): no
        history, no pending application, nothing to compare."""
        today = self.today
        first = start if start < today else today
        applied = applied or first
        decided = first if first > applied else applied
        _, refused, warnings = self._evaluate(dept.pack, info, self.ids[i], None, decided,
                                              start, end, True)
        if refused:
            self._refused(i, refused)
            return None
        if dept.limit is not None and not self._take_place(i, dept, ref, start, end):
            return None
        app_ref = -(len(self.new_apps) + 1)
        self.new_apps.append((ref, dept.code, channel[0], channel[1], applied, "approved",
                              decided))
        if warnings:
            self._add_findings(app_ref, warnings)
        self.new_terms.append((ref, dept.code, app_ref, FIRST_TERM, start, end, None))
        return "created"

    def _add_findings(self, app_ref: int, findings: list[FindingRow]) -> None:
        """Findings rows of a new or approved application.  An imported appointment keeps
        its automatic warnings only: the criteria were not found by a reviewer; the
        decision note says so and names the batch (one note, not a row per criterion and
        appointee).  A pending application keeps every finding, as ``supervisor apply``."""
        self.new_findings.extend([(app_ref, *finding) for finding in findings])

    def _renewal_consent(self, i: int, pack: Pack, previous, start: date,
                         decided: date) -> tuple[bool, date | None]:
        """A row continuing a term on file (its start the day after that term's end) is a
        renewal: where the pack requires consent (gx Art. 8) it needs 同意续聘日期, dated
        within the previous term and not after the decision."""
        consent = self._column("consent_on")[i]
        column = t("excel.headers.supervisors.consent_on")
        if consent is None:
            if pack.renewal_consent == "required":
                self._flag(i, "consent_on" if "consent_on" in self.table.positions
                           else "term_start", t("supervisor.roster.expect_consent", column=column,
                                                article=pack.renewal_article))
                return False, None
            return True, None
        if consent > decided or consent > self.today:
            self._flag(i, "consent_on", t("supervisor.expect_consent_before",
                                          decided=min(decided, self.today).isoformat(),
                                          article=pack.renewal_article))
            return False, None
        if consent < previous.start_date:
            self._flag(i, "consent_on", t("supervisor.expect_consent_in_term",
                                          start=previous.start_date.isoformat(),
                                          article=pack.renewal_article))
            return False, None
        return True, consent

    def _refused(self, i: int, refused: list[eligibility.Check]) -> None:
        """Each eligibility finding that stands in the way, on the cell it concerns."""
        for check in refused:
            expected = eligibility.describe(check)
            if check.code == "no_blocking_termination":
                expected = t("import.blocked", problem=expected)
            key = FINDING_COLUMN.get(check.code)
            if key == "birth_date" and key not in self.table.positions:
                key = "id_number"
            self._flag(i, key, expected)

    def _take_place(self, i: int, dept: Dept, ref: int, start: date, end: date) -> bool:
        """A free quota place over the whole new term, counting the file's earlier rows."""
        if dept.limit is None:
            return True
        places = self._places(dept.code, start)
        serving, day = rules.peak_places(places, start, end)
        if serving >= dept.limit:
            self._flag(i, "term_start", t(
                "supervisor.quota_full", dept=dept.code, name=dept.name, serving=serving,
                quota=dept.limit, on=day.isoformat(), article=dept.pack.term_article))
            return False
        places.append((ref, start, end))
        return True

    def _plan_application(self, i: int, dept: Dept, known: Known | None, ref: int,
                          info: tuple[date, str, bool], channel: tuple[str, str | None],
                          applied: date, status: str | None) -> str | None:
        apps = [a for a in known.applications if a.department_code == dept.code] \
            if known else []
        if any(a.applied_on == applied for a in apps):
            return "unchanged"
        pending = [a for a in apps if a.status == "pending"]
        if pending:
            app = pending[0]
            if (app.channel, app.recommending_body) == channel:
                return "unchanged"
            self.app_updates.append((app.id, {"channel": channel[0],
                                              "recommending_body": channel[1]},
                                     {"channel": app.channel,
                                      "recommending_body": app.recommending_body}))
            return "updated"
        if status is not None and status != "pending":
            self._flag(i, "status", t("import.expect_status_known",
                                      status=t(f"supervisor.status.{status}")))
            return None
        number = self.ids[i]
        here = [x for x in (known.terms if known else ())
                if x.department_code == dept.code
                and x.start_date <= applied <= rules.last_day(x.end_date, x.terminated_on)]
        if here:
            self._flag(i, None, t("supervisor.already_serving_here",
                                  person=mask_id_number(number), dept=dept.code,
                                  end=here[0].end_date.isoformat()))
            return None
        history = _history(self._serving(known, applied, applied), known)
        checks, _, _ = self._evaluate(dept.pack, info, number, history, applied, None, None,
                                      False)
        app_ref = -(len(self.new_apps) + 1)
        self.new_apps.append((ref, dept.code, channel[0], channel[1], applied, "pending", None))
        self._add_findings(app_ref, checks)
        return "created"
