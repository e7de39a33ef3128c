"""The operator of the platform, logged in (运维工作台 is theirs alone), and persons with chosen keys."""
import pytest

from models import Person, db
from models.validators import birth_date_of, gender_of

from ..helpers import make_account


@pytest.fixture
def operator(auth):
    account = make_account("客服小周", is_operator=True)
    auth.login(account, user_type="operator")
    return account


def person_with(org, name, id_number, phone, status="approved", **kw):
    """A person whose 身份证号 and 手机号 the test chooses (helpers.make_person draws its own)."""
    account = make_account(name, id_number=id_number, phone=phone)
    person = Person(account_id=account.id, org_id=org.id, name=name, id_number=id_number, status=status,
                    gender=gender_of(id_number), birth_date=birth_date_of(id_number),
                    **{"title_series": "工程技术", "title_level": "中级", "education": "大学本科", **kw})
    db.session.add(person)
    db.session.commit()
    return person
