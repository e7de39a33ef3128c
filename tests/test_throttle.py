"""Throttle's contract on both stores: the table, and Redis when REDIS_URL is set (several app servers)."""
import time
from datetime import timedelta

import pytest

from app import create_app
from models import Throttle, db

from .conftest import CONFIG, throttle_count


def test_the_limit_th_attempt_passes_and_the_next_is_refused(app, throttle_store):
    ids = [Throttle.claim("k:a", 3, timedelta(minutes=5)) for _ in range(4)]
    assert all(ids[:3]) and ids[3] is None
    assert Throttle.claim("k:b", 3, timedelta(minutes=5)), "another key has its own allowance"
    assert throttle_count(throttle_store, "k:a") == 4, "a refused attempt is kept and counts too"


def test_a_released_attempt_no_longer_counts(app, throttle_store):
    first = Throttle.claim("k:r", 2, timedelta(minutes=5))
    assert Throttle.claim("k:r", 2, timedelta(minutes=5))
    Throttle.release(first)
    assert Throttle.hit("k:r", 2, timedelta(minutes=5)), "the released one left room for one more"
    assert not Throttle.hit("k:r", 2, timedelta(minutes=5))


def test_attempts_older_than_the_window_drop_out(app, throttle_store):
    window = timedelta(seconds=1)
    assert Throttle.hit("k:w", 1, window)
    assert not Throttle.hit("k:w", 1, window)
    time.sleep(1.1)
    assert Throttle.hit("k:w", 1, window)


@pytest.mark.parametrize("throttle_store", [pytest.param("redis", marks=pytest.mark.redis)], indirect=True)
def test_with_redis_nothing_is_written_to_the_table_and_two_apps_share_the_count(app, throttle_store):
    other = create_app({**CONFIG, "REDIS_URL": app.config["REDIS_URL"],
                        "THROTTLE_PREFIX": app.config["THROTTLE_PREFIX"]})
    assert Throttle.hit("k:s", 2, timedelta(minutes=5))
    with other.app_context():  # a second app server: same Redis, its own process state
        assert Throttle.hit("k:s", 2, timedelta(minutes=5))
        assert not Throttle.hit("k:s", 2, timedelta(minutes=5))
    assert not Throttle.hit("k:s", 2, timedelta(minutes=5))
    assert db.session.query(Throttle).count() == 0
