"""List filters the stock Flask-Admin set lacks."""
from datetime import timedelta

from flask_admin.contrib.sqla.filters import BaseSQLAFilter, DateBetweenFilter, FilterEqual
from flask_admin.model import filters as stock

from forms.input import DAY_OUT_OF_RANGE, day_in_range, to_id
from models import db
from models.base import starts_with  # noqa: F401  (the lists' prefix match, also used by models)


DATE_FILTERS = (stock.BaseDateFilter, stock.BaseDateBetweenFilter, stock.BaseDateTimeFilter,
                stock.BaseDateTimeBetweenFilter)


def out_of_range(flt, value) -> str | None:
    """Why a value that passed ``flt.validate`` must still not be applied, or None."""
    if isinstance(flt, DATE_FILTERS):
        cleaned = flt.clean(value)
        days = cleaned if isinstance(cleaned, list) else [cleaned]
        if not all(day_in_range(d) for d in days):
            return DAY_OUT_OF_RANGE
    return None


def contains(column, value):
    """``column`` contains ``value`` literally (% and _ typed by the user match themselves)."""
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")


class PrefixFilter(BaseSQLAFilter):
    """Text filter through an index: the column starts with the typed text."""

    def apply(self, query, value, alias=None):
        return query.filter(starts_with(self.get_column(alias), value))

    def clean(self, value):
        return (value or "").strip()[:100]

    def operation(self):
        return "开头是"


class DayRangeFilter(DateBetweenFilter):
    """Dates picked on a datetime column: the end day counts in full (``between`` would stop at its 00:00)."""

    def apply(self, query, value, alias=None):
        start, end = value
        column = self.get_column(alias)
        return query.filter(column >= start, column < end + timedelta(days=1))

    def operation(self):
        return "介于"


class InSelectFilter(BaseSQLAFilter):
    """``column IN (SELECT ...)`` built from the typed value: filters by another table's data
    without a join, so no row is listed twice and the count stays the list's count."""

    def __init__(self, column, name, build, operation="包含", options=None):
        super().__init__(column, name, options)
        self.build, self._operation = build, operation

    def apply(self, query, value, alias=None):
        return query.filter(self.get_column(alias).in_(self.build(value)))

    def clean(self, value):
        return (value or "").strip()[:100]

    def operation(self):
        return self._operation


class IdChoiceFilter(BaseSQLAFilter):
    """A column equal to one of the options read per request (``options_of()``: e.g. the acting unit's own
    departments); a posted value that is no id matches nothing."""

    def __init__(self, column, name, options_of):
        super().__init__(column, name)
        self.options_of = options_of

    def request_options(self):
        return self.options_of()

    def apply(self, query, value, alias=None):
        return query.filter(self.get_column(alias) == value)

    def validate(self, value):
        return to_id(value) is not None

    def clean(self, value):
        return to_id(value)

    def operation(self):
        return "等于"


class RowChoiceFilter(FilterEqual):
    """A column equal to one of options kept as rows (``options_of()``: e.g. 职称系列), read on every page rather
    than once when the view is built."""

    def __init__(self, column, name, options_of):
        super().__init__(column, name)
        self.options_of = options_of

    def request_options(self):
        return self.options_of()
