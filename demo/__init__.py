"""Demo and scale data: ``flask --app app seed --demo`` and ``seed --persons N``.

demo.plan builds the demo data set as plain rows (deterministic, no database); demo.load writes it;
demo.accounts lists the documented logins (README, 演示账号).
"""
from .load import add_persons, load_demo
from .plan import build_plan

__all__ = ["add_persons", "build_plan", "load_demo"]
