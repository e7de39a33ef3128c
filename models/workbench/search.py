"""The operator's one search box (F32): persons by 身份证号 / name / phone, units by USCC / name, accounts by 身份证号.

Every key is a prefix through an index (models.base.starts_with); each kind reads at most CAP + 1 rows, so a
surname shared by 40,000 people of the province costs what a full ID costs. The rows are taken in index order
with no ORDER BY (PostgreSQL's pattern-ops indexes answer LIKE but cannot sort), then sorted here.
"""
import re
import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import Index, select
from sqlalchemy.orm import joinedload

from ..account import Account
from ..base import db, starts_with
from ..org import Organization
from ..person import Person
from ..review_records import ChangeRequest
from ..admin import AdminMembership

CAP = 20  # rows shown per kind; one more is read to know there are more
MAX_TERM = 50
ID_LIKE = re.compile(r"^[0-9]{1,17}[0-9Xx]?$")  # a 身份证号 or its start
PHONE_LIKE = re.compile(r"^[0-9]{3,11}$")
USCC_LIKE = re.compile(r"^[0-9A-Za-z]{2,18}$")

# The indexes behind the keys and the 360° pages (migration f6b1d3e5a7c9), declared beside the queries they serve
# rather than in the models of other areas. PostgreSQL's LIKE 'x%' needs pattern ops (the collation is not "C");
# SQLite's range reads the plain unique / name indexes the models already have.
PATTERN = "varchar_pattern_ops"
Index("ix_account_id_number_prefix", Account.id_number, postgresql_ops={"id_number": PATTERN}).ddl_if(
    dialect="postgresql")
Index("ix_organization_uscc_prefix", Organization.uscc, postgresql_ops={"uscc": PATTERN}).ddl_if(dialect="postgresql")
Index("ix_organization_name_prefix", Organization.name, postgresql_ops={"name": PATTERN}).ddl_if(dialect="postgresql")
Index("ix_account_phone", Account.phone, postgresql_ops={"phone": PATTERN})
Index("ix_change_request_target", ChangeRequest.target_type, ChangeRequest.target_id, ChangeRequest.id)
Index("ix_admin_membership_org_id", AdminMembership.org_id)


@dataclass
class Group:
    kind: str  # person | unit | account
    label: str
    rows: list = field(default_factory=list)
    more: bool = False  # more than CAP rows match: type more of the key

    def add(self, rows):
        seen = {r.id for r in self.rows}
        for row in rows:
            if row.id not in seen:
                self.rows.append(row)
                seen.add(row.id)

    def cap(self, sort_key):
        self.more = self.more or len(self.rows) > CAP
        self.rows = sorted(self.rows, key=sort_key)[:CAP]


def clean_term(raw) -> str:
    """The term as typed, full-width characters made plain (３７０１ is 3701); a number pasted with spaces in it
    (an ID read out in groups, "139 1234 5678") is one key."""
    term = unicodedata.normalize("NFKC", raw or "").strip()
    if re.fullmatch(r"[0-9A-Za-z\s]+", term):
        term = re.sub(r"\s+", "", term)
    return term[:MAX_TERM]


def _first(query):
    """At most CAP + 1 rows of ``query``: enough to show CAP and to know whether there are more."""
    return list(db.session.scalars(query.limit(CAP + 1)).unique())


def search(term: str) -> list[Group]:
    """The three groups for ``term`` (already cleaned); a key a term cannot be (a name for digits) is not read."""
    persons = Group("person", "专技人员")
    units = Group("unit", "单位")
    accounts = Group("account", "账号")
    if not term:
        return [persons, units, accounts]
    person_rows = select(Person).options(joinedload(Person.org), joinedload(Person.account))
    if ID_LIKE.match(term):
        persons.add(_first(person_rows.where(starts_with(Person.id_number, term))))
        accounts.add(_first(select(Account).where(starts_with(Account.id_number, term))))
    if PHONE_LIKE.match(term):
        persons.add(_first(person_rows.join(Account, Person.account_id == Account.id)
                           .where(starts_with(Account.phone, term))))
    if not term.isdigit():
        persons.add(_first(person_rows.where(starts_with(Person.name, term))))
        units.add(_first(select(Organization).where(starts_with(Organization.name, term))))
    if USCC_LIKE.match(term):
        units.add(_first(select(Organization).where(starts_with(Organization.uscc, term.upper()))))
    persons.cap(lambda p: (p.name, p.id_number))
    units.cap(lambda o: (o.name, o.id))
    accounts.cap(lambda a: a.id_number)
    return [persons, units, accounts]
