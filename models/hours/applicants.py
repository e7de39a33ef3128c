"""Who a declaration may name: the acting unit's approved staff (picked by id), or, for a training base, people
it trained, named by 身份证号 + 姓名 pairs that must match a registered person exactly.

A base learns nothing it did not type: an unknown ID and an ID with another name get the same message, and a
matched person's other data (unit, department, title) is never read here.
"""
import re

from sqlalchemy import select

from ..base import db
from ..person import Person
from ..validators import normalize_id_number
from .records import MAX_APPLICANTS

OUTSIDE_SCOPE = "所选申请人不存在、未审核通过或不在本单位（含下属单位）范围内，请重新选择"
NO_MATCH = "第 {row} 行：未找到身份证号与姓名一致的已注册专业技术人员"
BAD_ROW = "第 {row} 行：请按“身份证号 姓名”填写，中间用空格隔开"
BAD_ID = "第 {row} 行：{problem}"
REPEATED = "第 {row} 行：与第 {first} 行是同一人"
TOO_MANY_ROWS = "一次最多填写 {n} 人，请分批申报"
MAX_PAIRS = 500  # typed by hand; a longer list is an import, which bases do not have
_SEPARATORS = re.compile(r"[\s,，、;；]+")


def in_scope(people_query, raw_ids) -> tuple[list[int], str | None]:
    """The posted applicant ids, each of which ``people_query`` (the actor's scoped staff) must return.

    One id outside it refuses them all: a page offers only the actor's own staff, so such an id is a stale
    page or a forged post, and declaring for the rest would hide that from the admin.
    """
    from forms.input import to_id

    ids = set()
    for raw in raw_ids:
        pk = to_id(raw)
        if pk is None:
            return [], OUTSIDE_SCOPE
        ids.add(pk)
    if len(ids) > MAX_APPLICANTS:
        return [], f"一次最多为 {MAX_APPLICANTS} 人申报，请分批申报"
    if not ids:
        return [], None
    found = set(db.session.scalars(people_query.with_only_columns(Person.id).where(
        Person.id.in_(ids), Person.status == "approved")))
    return (sorted(ids), None) if found == ids else ([], OUTSIDE_SCOPE)


def parse_pairs(text: str) -> tuple[list[tuple[int, str, str]], list[tuple[int, str]]]:
    """(row number, ID number, name) of each non-empty line of ``text``, and (row number, problem) of the rest."""
    rows, problems = [], []
    lines = (text or "").splitlines()
    if sum(1 for line in lines if line.strip()) > MAX_PAIRS:
        return [], [(0, TOO_MANY_ROWS.format(n=MAX_PAIRS))]
    for number, line in enumerate(lines, start=1):
        parts = [p for p in _SEPARATORS.split(line.strip()) if p]
        if not parts:
            continue
        id_part = [p for p in parts if p[:1].isdigit()]
        name_part = [p for p in parts if not p[:1].isdigit()]
        if len(id_part) != 1 or len(name_part) != 1:
            problems.append((number, BAD_ROW.format(row=number)))
            continue
        try:
            id_number = normalize_id_number(id_part[0])
        except ValueError as e:
            problems.append((number, BAD_ID.format(row=number, problem=e)))
            continue
        rows.append((number, id_number, name_part[0]))
    return rows, problems


def match_pairs(text: str) -> tuple[list[int], list[str]]:
    """Person ids for the pairs typed in ``text`` and one message per refused row (any refusal: use none)."""
    rows, problems = parse_pairs(text)
    if not rows:
        return [], [message for _, message in problems]
    ids, more = match_rows(rows)
    return ids, [message for _, message in sorted(problems + more)]


def match_rows(rows, people=None, no_match=NO_MATCH, repeated=REPEATED) -> tuple[list[int], list[tuple[int, str]]]:
    """Person ids for (row number, normalised ID number, name) ``rows`` and (row number, problem) of the others.

    ``people``: a SELECT of Person bounding who may be named (a unit's scoped staff); None: any approved person
    (a training base names the people it trained). Unknown, outside and other-named IDs get the same message."""
    query = (people if people is not None else select(Person)).with_only_columns(
        Person.id, Person.id_number, Person.name)
    found = {r.id_number: r for r in db.session.execute(
        query.where(Person.id_number.in_({id_number for _, id_number, _ in rows}), Person.status == "approved"))}
    ids, first_row, problems = [], {}, []
    for number, id_number, name in rows:
        person = found.get(id_number)
        if person is None or person.name != name:
            problems.append((number, no_match.format(row=number)))
        elif person.id in first_row:
            problems.append((number, repeated.format(row=number, first=first_row[person.id])))
        else:
            first_row[person.id] = number
            ids.append(person.id)
    return ids, problems
