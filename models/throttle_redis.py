"""The attempts of ``Throttle`` in Redis, for installations with several app servers and ``REDIS_URL`` set.

One sorted set per key (``jxjy:throttle:<key>``), an attempt being a member scored by Redis's own clock: every app
server counts against the same clock, so a skewed host neither widens nor narrows a window. The trim, add and count
run as one Lua script (redis-py's ``register_script``: EVALSHA, loaded again after a Redis restart); Redis runs a
script alone, so attempts at one key take turns exactly as the table's lock makes them on PostgreSQL. The set
expires with its window: nothing needs sweeping.

An unreachable Redis is an error of the request (500), not a silent pass: a rate limit that lets everything
through when its store is down is no limit.
"""
import secrets
from datetime import timedelta

import redis
from flask import current_app

_clients: dict = {}

CLAIM = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
redis.call('ZADD', KEYS[1], now, ARGV[2])
redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000))
return redis.call('ZCARD', KEYS[1])
"""


def url() -> str | None:
    return current_app.config.get("REDIS_URL")


def enabled() -> bool:
    return bool(url())


def prefix() -> str:
    return current_app.config.get("THROTTLE_PREFIX") or "jxjy:throttle:"


def client() -> redis.Redis:
    """One client (and its connection pool) per process and URL; a second's timeout, so a Redis that hangs
    fails the request instead of holding a gunicorn worker."""
    address = url()
    entry = _clients.get(address)
    if entry is None:
        conn = redis.Redis.from_url(address, socket_timeout=2, socket_connect_timeout=2, health_check_interval=30)
        entry = _clients[address] = (conn, conn.register_script(CLAIM))
    return entry[0]


def _script():
    client()
    return _clients[url()][1]


def claim(key: str, limit: int, window: timedelta) -> str | None:
    member = secrets.token_hex(8)
    name = prefix() + key
    count = _script()(keys=[name], args=[int(window.total_seconds() * 1_000_000), member])
    # The id names its set: release() is given nothing else.
    return f"{name}\n{member}" if count <= limit else None


def release(attempt: str):
    name, _, member = attempt.rpartition("\n")
    client().zrem(name, member)


def count(key_prefix: str = "") -> int:
    """Attempts stored under keys starting with ``key_prefix`` (tests and the operator's curiosity)."""
    conn = client()
    return sum(conn.zcard(name) for name in conn.scan_iter(match=prefix() + key_prefix + "*", count=500))
