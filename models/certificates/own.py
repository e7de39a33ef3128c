"""个人自助 · 我的证书: a person's own certificates by year, and the one way a person gets one (the first download
numbers it, as an admin's print would)."""
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from .. import audit
from ..base import db
from ..hours.totals import PersonYearHours
from .issue import Certificate, issue
from .printing import certificates_pdf


@dataclass(frozen=True)
class OwnYear:
    year: int
    total: Decimal
    met: bool
    certificate: Certificate | None

    @property
    def state(self) -> str:
        if self.certificate is None:
            return "未生成" if self.met else "未达标"
        return "已撤销" if self.certificate.revoked else "有效"


def own_years(person_id: int) -> list[OwnYear]:
    """Every year the person has approved hours or a certificate, newest first: two queries."""
    totals = {r.year: r for r in db.session.scalars(
        select(PersonYearHours).where(PersonYearHours.person_id == person_id))}
    certs = {c.year: c for c in db.session.scalars(select(Certificate).where(Certificate.person_id == person_id))}
    years = sorted(set(totals) | set(certs), reverse=True)
    return [OwnYear(y, Decimal(totals[y].total_hours) if y in totals else Decimal(0),
                    bool(totals[y].met) if y in totals else False, certs.get(y)) for y in years]


def own_certificate_pdf(person, year: int) -> bytes | None:
    """The PDF of the person's certificate of ``year``; None when that year is not met (a revoked certificate's
    year is not). Issued on the first call, audited as an admin's print is; the caller commits."""
    row = db.session.get(PersonYearHours, (person.id, year), populate_existing=True)
    if row is None or not row.met:
        return None
    issue(year, [person.id], f"{person.name}（本人）")
    pdf = certificates_pdf(year, [person.id])
    audit.record("certificate", year, "print", {"year": year, "person_id": person.id, "certificates": 1,
                                                "chosen": "self"})
    return pdf
