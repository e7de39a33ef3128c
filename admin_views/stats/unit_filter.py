"""A list filter "所属单位（含下属单位）": rows of a unit's whole subtree, the unit given by id (a 查询统计 count
links to the staff query through it, as the unit picker chose it)."""
import re

from flask import request
from sqlalchemy import select

from forms.input import to_id

from models import Department, access, db, subtree_ids

from ..filters import IdChoiceFilter
from .unit_picker import visible_org

_FILTER_ARG = re.compile(r"^flt\d+_")
MAX_NAMED = 5


def _filter_ids():
    values = [v for k, v in request.args.items() if _FILTER_ARG.match(k)][:MAX_NAMED]
    return [i for i in (to_id(v) for v in values) if i is not None]


def with_linked_departments(options):
    """A department pick list plus the visible departments the request's filter values name: a count of
    another unit's department links here, and its filter should show the department's name, not a blank."""
    have = {value for value, _ in options}
    ids = [i for i in _filter_ids() if str(i) not in have]
    if not ids:
        return options
    rows = db.session.execute(access.scope(select(Department.id, Department.name).where(Department.id.in_(ids)),
                                           Department))
    return options + [(str(i), name) for i, name in rows]


class OrgSubtreeFilter(IdChoiceFilter):
    """A unit id: the rows of that unit and every unit under it."""

    def __init__(self, column, name):
        super().__init__(column, name, options_of=None)

    def apply(self, query, value, alias=None):
        return query.filter(self.get_column(alias).in_(subtree_ids(value)))

    def request_options(self):
        """The acting unit, plus the visible units the request's filter values name, so a linked filter shows
        its unit's name. A unit of the province cannot be listed in full; other filters' ids that happen to be
        a unit's id only add an option."""
        orgs = [access.current_org()] + [visible_org(i) for i in _filter_ids()]
        seen, options = set(), []
        for org in orgs:
            if org is not None and org.id not in seen:
                seen.add(org.id)
                options.append((str(org.id), org.name))
        return options
