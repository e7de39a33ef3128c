"""Demo and scale data: ``flask --app app seed --demo`` and ``seed --persons N``.

demo.plan builds the demo data set as plain rows (deterministic, no database); demo.load writes it;
demo.accounts lists the documented logins (README, 演示账号); demo.bulk holds the set-based inserts and the
province-scale generators (``seed --scale province``).
"""
from .bulk import add_scale, province_counts
from .load import add_persons, load_demo
from .plan import build_plan

__all__ = ["add_persons", "add_scale", "build_plan", "load_demo", "province_counts"]
