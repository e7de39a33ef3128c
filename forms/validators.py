"""WTForms validators wrapping the model checks, so every form speaks the same Chinese messages."""
from sqlalchemy import func, select
from wtforms.validators import StopValidation, ValidationError

from models import db, validators as checks


class Normalized:
    """Run a ``models.validators`` normaliser; store the canonical value back on the field."""

    def __init__(self, normalize, optional=False):
        self.normalize, self.optional = normalize, optional

    def __call__(self, form, field):
        if self.optional and not (field.data or "").strip():
            field.data = None
            return
        try:
            field.data = self.normalize(field.data)
        except ValueError as e:
            raise StopValidation(str(e)) from None


def IdNumber():
    return Normalized(checks.normalize_id_number)


def Uscc():
    return Normalized(checks.normalize_uscc)


def Phone(optional=False):
    return Normalized(checks.normalize_phone, optional)


def Email(optional=False):
    return Normalized(checks.normalize_email, optional)


class PasswordPolicy:
    def __call__(self, form, field):
        try:
            checks.check_password_policy(field.data)
        except ValueError as e:
            raise ValidationError(str(e)) from None


class UniqueInOrg:
    """No other row of ``model`` in the same org has this value (Flask-Admin puts the edited row on form._obj)."""

    def __init__(self, model, column, message, org_id_getter):
        self.model, self.column, self.message, self.org_id_getter = model, column, message, org_id_getter

    def __call__(self, form, field):
        obj = getattr(form, "_obj", None)
        org_id = obj.org_id if obj is not None else self.org_id_getter()
        q = select(func.count()).where(getattr(self.model, self.column) == field.data, self.model.org_id == org_id)
        if obj is not None:
            q = q.where(self.model.id != obj.id)
        if db.session.scalar(q):
            raise ValidationError(self.message)


def strip_filter(value):
    return value.strip() if isinstance(value, str) else value
