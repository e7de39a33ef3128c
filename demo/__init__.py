"""Demo and scale data (filled in by the seed work)."""


def load_demo():
    raise NotImplementedError


def add_persons(n):
    raise NotImplementedError
