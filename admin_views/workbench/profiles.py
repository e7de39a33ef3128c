"""运维工作台 · 360° pages: a person, a unit or an account with everything around it, read-only.

The 处理 card links to the fix pages (endpoint ``workbench_fix``) only where those exist in this app.
"""
from flask import abort, url_for
from flask_admin import expose

from models import Account, Organization, db
from models.audit_history import history
from models.base import is_row_id
from models.workbench import profiles as p

from ..hours.credit_lists import hours_text

HISTORY_ROWS = 50


def fix_url(kind, entity_id):
    """The 处理 card's link: the fix page of ``kind`` (person, unit, account) for ``entity_id`` (fixes.py)."""
    return url_for(f"workbench_fix.{kind}", id=entity_id)


def _found(row):
    if row is None:
        abort(404)
    return row


class ProfilePages:
    """The 360° pages, mixed into the workbench view (its access rule applies): opened from the search results."""

    @expose("/person/<int:person_id>")
    def person(self, person_id):
        person = _found(p.find_person(person_id) if is_row_id(person_id) else None)
        own = [("person", str(person.id)), ("account", str(person.account_id))]  # the person and its login
        return self.render("admin/workbench/person.html", person=person, fix_url=fix_url("person", person.id),
                           hours_text=hours_text, history=history(own, HISTORY_ROWS),
                           **p.person_profile(person))

    @expose("/unit/<int:org_id>")
    def unit(self, org_id):
        org = _found(db.session.get(Organization, org_id) if is_row_id(org_id) else None)
        return self.render("admin/workbench/unit.html", org=org, fix_url=fix_url("unit", org.id),
                           history=history([("organization", str(org.id))], HISTORY_ROWS), **p.unit_profile(org))

    @expose("/account/<int:account_id>")
    def account(self, account_id):
        account = _found(db.session.get(Account, account_id) if is_row_id(account_id) else None)
        return self.render("admin/workbench/account.html", account=account, fix_url=fix_url("account", account.id),
                           history=history([("account", str(account.id))], HISTORY_ROWS), **p.account_profile(account))
