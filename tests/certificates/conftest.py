import pytest

from models import db
from models.hours.catalogue import seed_catalogue

from ..helpers import make_org


@pytest.fixture
def tree(unit, app, tmp_path):
    """The unit tree with the learning forms, and a Qingdao unit: another region, another serial counter."""
    app.config["ATTACHMENTS_FOLDER"] = str(tmp_path / "attachments")
    seed_catalogue()
    db.session.commit()
    unit.qingdao = make_org("青岛海滨医院", parent=unit.province, region="青岛市")
    return unit
