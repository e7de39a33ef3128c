"""Guesses arriving at the same instant: the lock after five failures, the reset-code tries and the per-address
limit must hold when the requests run in parallel, not only one after the other.

Every thread has its own test client, and every request its own app context and database session (as in
production); a barrier releases all posts at once. The password checks are counted by wrapping the hash
function the model calls, so "at most five checks" is measured, not inferred from the outcome.
"""
import re
import threading

import pytest
from sqlalchemy import func, select

from demo.ids import id_number
from models import Account, AuditEntry, OutboxMail, PasswordResetCode, db
from models import account as account_module
from models.login import ADDRESS_FAILURES

from .conftest import Auth, throttle_count
from .helpers import PASSWORD, csrf_token, in_threads, make_account, next_seq
from .test_auth import login_error

PARALLEL = 20


class Counter:
    def __init__(self, wrapped):
        self.wrapped, self.calls, self._lock = wrapped, 0, threading.Lock()

    def __call__(self, *args, **kwargs):
        with self._lock:
            self.calls += 1
        return self.wrapped(*args, **kwargs)

    def reset(self):
        self.calls = 0


@pytest.fixture(autouse=True)
def _close_pooled_connections(app):
    yield
    # Twenty threads filled the app's pool; the database server is shared, so don't leave them idle until GC.
    db.engine.dispose()


@pytest.fixture
def hash_checks(monkeypatch):
    counter = Counter(account_module.check_password_hash)
    monkeypatch.setattr(account_module, "check_password_hash", counter)
    return counter


def all_at_once(app, prepare, post, n=PARALLEL, on_start=None):
    """``prepare(client)`` runs first in each thread (logins, form tokens); then ``on_start()`` once, and every
    ``post(client, state)`` starts at the same moment. Returns the responses."""
    start = threading.Barrier(n, action=on_start)
    responses, errors = [None] * n, []

    def run(i):
        with app.app_context():  # the client's checks after each request need a session of their own
            try:
                client = app.test_client()
                state = prepare(client)
                start.wait(timeout=60)
                responses[i] = post(client, state)
            except Exception as e:  # noqa: BLE001 - reported in the main thread
                errors.append(e)
                start.abort()
            finally:
                db.session.remove()

    in_threads([lambda i=i: run(i) for i in range(n)], timeout=120)
    assert not errors, errors
    db.session.expire_all()
    return responses


def form_token(client, url):
    return csrf_token(client.get(url).get_data(as_text=True))


def test_twenty_wrong_passwords_at_once_get_five_checks_and_lock(app, unit, hash_checks):
    target = unit.admin.id_number

    def post(client, token):
        return client.post("/login", data={"csrf_token": token, "user_type": "employer", "id_number": target,
                                           "password": "Wrong1234"})

    responses = all_at_once(app, lambda c: form_token(c, "/login"), post)
    assert hash_checks.calls <= 5
    assert all(login_error(r) for r in responses), "every guess is refused"
    assert sum("锁定" in login_error(r) for r in responses) >= PARALLEL - 4
    assert db.session.get(Account, unit.admin.id).is_locked
    assert db.session.scalar(select(func.count()).where(AuditEntry.action == "lock")) == 1
    checks = hash_checks.calls
    assert "锁定" in login_error(Auth(app.test_client()).login(unit.admin, PASSWORD))
    assert hash_checks.calls == checks, "a locked account is refused without a password check"


def test_add_existing_admin_guesses_at_once_get_five_checks_and_lock(app, unit, hash_checks):
    url, target, admin = "/admin/admins/add/existing", unit.other_admin, unit.admin.id_number
    target_id = target.id_number  # read here: the outer session is not for the threads
    one_by_one = threading.Lock()

    def prepare(client):
        with one_by_one:  # five logins in flight at once already use the admin's five tries
            Auth(client).login(admin)
        return form_token(client, url)

    def post(client, token):
        return client.post(url, data={"csrf_token": token, "id_number": target_id, "name": "赵管理",
                                      "password": "Wrong1234"})

    responses = all_at_once(app, prepare, post, on_start=hash_checks.reset)  # the admins' own logins don't count
    assert hash_checks.calls <= 5
    assert all("身份证号、姓名或密码不正确" in r.get_data(as_text=True) or "锁定" in r.get_data(as_text=True)
               for r in responses)
    assert db.session.get(Account, target.id).is_locked
    assert "锁定" in login_error(Auth(app.test_client()).login(target, PASSWORD))


def test_reset_code_guesses_at_once_get_five_comparisons_and_burn_the_code(app, unit, monkeypatch):
    account = db.session.get(Account, unit.admin.id)
    code = PasswordResetCode.issue(account)
    db.session.commit()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    comparisons = Counter(account_module._digest)
    monkeypatch.setattr(account_module, "_digest", comparisons)
    before, target = account.password_hash, account.id_number  # read here: the outer session is not for the threads

    def post(client, token):
        return client.post("/reset-password", data={"csrf_token": token, "id_number": target,
                                                    "code": wrong, "new_password": "Reset1234",
                                                    "confirm": "Reset1234"})

    responses = all_at_once(app, lambda c: form_token(c, "/reset-password"), post)
    assert comparisons.calls <= 5
    assert all("验证码错误或已过期" in r.get_data(as_text=True) for r in responses)
    r = Auth(app.test_client()).post("/reset-password", {"id_number": account.id_number, "code": code,
                                                         "new_password": "Reset1234", "confirm": "Reset1234"})
    assert "验证码错误或已过期" in r.get_data(as_text=True), "the right code no longer works once its tries are used"
    assert db.session.get(Account, account.id).password_hash == before


def unknown_ids(n):
    return [id_number(next_seq()) for _ in range(n)]


def test_failed_logins_from_one_address_are_limited(app, unit, throttle_store):
    auth = Auth(app.test_client())
    for guess in unknown_ids(ADDRESS_FAILURES):
        assert "账号或密码错误" in login_error(auth.login(guess, "Wrong1234"))
    r = auth.login(unit.admin, PASSWORD)
    assert r.status_code == 429 and "登录失败次数过多" in login_error(r), "no more checks from this address"
    other_client = app.test_client()
    other_client.environ_base["REMOTE_ADDR"] = "10.0.0.9"
    assert Auth(other_client).login(unit.admin, PASSWORD).status_code == 302, "other addresses are not affected"


def test_right_passwords_do_not_count_towards_the_address_limit(app, unit, throttle_store):
    auth = Auth(app.test_client())
    for _ in range(ADDRESS_FAILURES + 5):
        assert auth.login(unit.admin, PASSWORD).status_code == 302
    assert throttle_count(throttle_store) == 0


def test_failed_logins_from_one_address_at_once_pass_the_limit_nowhere(app, unit, throttle_store, hash_checks, monkeypatch):
    limit = 8  # the same mechanism as the real 30, with fewer threads on a database server others share
    monkeypatch.setattr("models.login.ADDRESS_FAILURES", limit)
    n = limit + 8
    guesses = iter(unknown_ids(n))
    lock = threading.Lock()

    def prepare(client):
        with lock:
            return form_token(client, "/login"), next(guesses)

    def post(client, state):
        token, guess = state
        return client.post("/login", data={"csrf_token": token, "user_type": "employer", "id_number": guess,
                                           "password": "Wrong1234"})

    responses = all_at_once(app, prepare, post, n=n)
    refused = [r for r in responses if r.status_code == 429]
    assert len(refused) >= n - limit
    assert hash_checks.calls == n - len(refused), "refused attempts check no password, not even a dummy one"
    assert all(re.search("登录失败次数过多", r.get_data(as_text=True)) for r in refused)


def test_forgot_password_requests_at_once_send_three_codes_at_most(app, unit, throttle_store):
    account = db.session.get(Account, unit.admin.id)
    target, email = account.id_number, account.email

    def post(client, token):
        return client.post("/forgot-password", data={"csrf_token": token, "id_number": target, "contact": email})

    responses = all_at_once(app, lambda c: form_token(c, "/forgot-password"), post, n=10)
    sent = db.session.scalar(select(func.count()).select_from(OutboxMail))
    assert 1 <= sent <= 3 and sum(r.status_code == 302 for r in responses) == sent
    assert all(r.status_code == 429 for r in responses if r.status_code != 302)
