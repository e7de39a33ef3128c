"""DATABASE_REPLICA_URL: 查询统计's counting statements run on the replica bind, everything else on the primary.
The replica here is the test database itself (a replica holds the same rows), reached through its own engine."""
import pytest
from sqlalchemy import event

from app import create_app
from models import db
from models.stats import REPLICA_BIND
from models.title_series import seed_title_series

from ..conftest import CONFIG, DATABASE_URL, FreshContextClient, _wipe
from .test_completion import URL as COMPLETION, YEAR
from .test_completion import staff  # noqa: F401 — fixture
from .test_title_distribution import PAGE as TITLES
from .test_title_distribution import people  # noqa: F401 — fixture


@pytest.fixture
def app(_schema):
    app = create_app({**CONFIG, "DATABASE_REPLICA_URL": DATABASE_URL})
    app.test_client_class = FreshContextClient
    with app.app_context():
        seed_title_series()
        db.session.commit()
        yield app
        db.session.remove()
        _wipe()


@pytest.fixture
def statements(app):
    """SQL run on each engine, by bind."""
    seen = {"primary": [], "replica": []}
    listeners = []
    for name, engine in (("primary", db.engine), ("replica", db.engines[REPLICA_BIND])):
        def record(conn, cursor, statement, *args, _seen=seen[name]):
            _seen.append(statement)
        event.listen(engine, "before_cursor_execute", record)
        listeners.append((engine, record))
    yield seen
    for engine, record in listeners:
        event.remove(engine, "before_cursor_execute", record)


def test_the_replica_is_a_bind_of_its_own(app):
    replica = db.engines[REPLICA_BIND]
    assert replica is not db.engine and replica.url.database == db.engine.url.database


def test_the_title_distribution_counts_on_the_replica(client, auth, people, statements):
    auth.login(people.admin)
    statements["primary"].clear()
    page = client.get(TITLES)
    assert page.status_code == 200 and 'id="dist-total">8<' in page.get_data(as_text=True)
    assert [s for s in statements["replica"] if "GROUP BY" in s and "title_level" in s], "counted on the replica"
    assert not [s for s in statements["primary"] if "GROUP BY" in s and "title_level" in s]


def test_the_completion_list_and_summary_count_on_the_replica(client, auth, unit, staff, statements):
    auth.login(unit.admin)
    statements["primary"].clear()
    assert client.get(COMPLETION, query_string={"year": YEAR}).status_code == 200
    assert client.get(COMPLETION + "chart.json", query_string={"year": YEAR, "org": unit.employer.id}).status_code == 200
    on_replica = " ".join(statements["replica"])
    assert "person_year_hours" in on_replica, "the page's people and hours were read on the replica"
    assert not [s for s in statements["primary"] if "person_year_hours" in s]
    # Writes and the request's own reads (the login, the membership) stay on the primary.
    assert not [s for s in statements["replica"] if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert any("admin_membership" in s for s in statements["primary"])
