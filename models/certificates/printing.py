"""The printed 电子证书: one HTML for N certificates (one A4 landscape page each), one PDF from WeasyPrint.

Block layout only (no tables) and the two Noto CJK faces: WeasyPrint lays a block page out in a few tens of
milliseconds and subsets the fonts, so a PDF of 200 certificates stays a few MB. The QR code is inline SVG of the
absolute verification URL (/v/<token>), the seal is SVG drawn here (its characters placed one by one: WeasyPrint's
SVG has no text on a path).
"""
import math
from itertools import groupby
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

import qrcode
from flask import current_app, render_template, url_for
from markupsafe import Markup
from sqlalchemy import select

from ..base import db
from ..bulk import in_ids
from ..hours.catalogue import HoursRule
from ..hours.totals import PersonYearHours
from ..org import Organization, OrgClosure
from .issue import Certificate, certificates_of

SEAL_LABEL = "继续教育专用章"


@dataclass
class Printed:
    """What one page shows."""
    certificate: Certificate
    name: str
    masked_id: str
    unit: str
    year: int
    public: Decimal
    professional: Decimal
    other: Decimal
    total: Decimal
    issuer: str
    url: str
    qr: Markup
    seal: Markup


def verification_url(token: str) -> str:
    return url_for("verify.certificate", token=token, _external=True)


def qr_svg(data: str) -> Markup:
    """The QR code as one SVG path, a horizontal run of dark modules per segment: qrcode's own SVG image draws
    module by module and costs twice the encoding itself (6 ms a code, 10 % of a certificate's page)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=1)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        for dark, group in groupby(row):
            n = len(list(group))
            if dark:
                runs.append(f"M{x} {y}h{n}v1h-{n}z")
            x += n
    size = len(matrix)
    return Markup(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" shape-rendering="crispEdges">'
                  f'<rect width="{size}" height="{size}" fill="#fff"/><path d="{"".join(runs)}" fill="#000"/></svg>')


def seal_svg(issuer: str) -> Markup:
    """A round red seal: the issuer along the upper arc, a star, the seal's purpose across the bottom."""
    size, r = 160, 74
    cx = cy = size / 2
    chars = list(issuer)[:20]
    span = min(250, 18 * len(chars))  # degrees the name covers, centred on the top
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 {size} {size}">',
             f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="none" stroke="#d81e06" stroke-width="4"/>']
    for i, ch in enumerate(chars):
        angle = -span / 2 + (span * (i + 0.5) / len(chars)) if chars else 0
        rad = math.radians(angle - 90)
        x, y = cx + (r - 17) * math.cos(rad), cy + (r - 17) * math.sin(rad)
        parts.append(f'<text x="{x:.1f}" y="{y:.1f}" transform="rotate({angle:.1f} {x:.1f} {y:.1f})" '
                     f'font-size="15" font-family="Noto Serif CJK SC" font-weight="bold" fill="#d81e06" '
                     f'text-anchor="middle" dominant-baseline="central">{escape(ch)}</text>')
    star = []
    for k in range(10):
        rr = 22 if k % 2 == 0 else 9
        a = math.radians(-90 + 36 * k)
        star.append(f"{cx + rr * math.cos(a):.1f},{cy + rr * math.sin(a):.1f}")
    parts.append(f'<polygon points="{" ".join(star)}" fill="#d81e06"/>')
    parts.append(f'<text x="{cx}" y="{cy + 44}" font-size="12" font-family="Noto Serif CJK SC" fill="#d81e06" '
                 f'text-anchor="middle">{SEAL_LABEL}</text></svg>')
    return Markup("".join(parts))


def issuers(org_ids) -> dict[int, str]:
    """org id -> the name on its certificates: CERTIFICATE_ISSUER if configured, else the root of its tree (the
    province's 人社厅, which runs continuing education)."""
    fixed = current_app.config.get("CERTIFICATE_ISSUER")
    if fixed:
        return {org_id: fixed for org_id in org_ids}
    rows = db.session.execute(
        select(OrgClosure.descendant_id, Organization.name)
        .join(Organization, Organization.id == OrgClosure.ancestor_id)
        .where(in_ids(OrgClosure.descendant_id, org_ids), Organization.parent_id.is_(None))).all()
    return dict(rows)


def printed(year: int, person_ids) -> list[Printed]:
    """The pages of ``person_ids``' certificates of ``year`` (those who have one), in that order: a fixed
    number of queries whatever their count."""
    certs = certificates_of(year, person_ids)
    if not certs:
        return []
    hours = {row.person_id: row for row in db.session.scalars(
        select(PersonYearHours).where(PersonYearHours.year == year,
                                      in_ids(PersonYearHours.person_id, [c.person_id for c in certs])))}
    names = issuers(sorted({c.org_id for c in certs}))
    seals = {}
    pages = []
    for cert in certs:
        row = hours.get(cert.person_id)
        issuer = names.get(cert.org_id, "")
        if issuer not in seals:
            seals[issuer] = seal_svg(issuer)
        url = verification_url(cert.token)
        zero = Decimal(0)
        pages.append(Printed(
            certificate=cert, name=cert.person.name, masked_id=cert.person.masked_id, unit=cert.org.name,
            year=year, public=row.public_hours if row else zero, professional=row.professional_hours if row else zero,
            other=row.other_hours if row else zero, total=row.total_hours if row else zero, issuer=issuer,
            url=url, qr=qr_svg(url), seal=seals[issuer]))
    return pages


def rule_sentence(year: int) -> str:
    rule = HoursRule.for_year(year)
    minimums = "、".join(f"{name}不少于{hours_text(n)}学时" for name, n in (rule.minimums or {}).items())
    return f"{year}年度继续教育学时要求（全年累计不少于{hours_text(rule.total)}学时" + (f"，其中{minimums}" if minimums else "") + "）"


def hours_text(value) -> str:
    value = Decimal(str(value))
    return f"{value:.1f}".rstrip("0").rstrip(".")


def certificate_html(year: int, pages: list[Printed]) -> str:
    return render_template("certificates/certificate.html", pages=pages, year=year, rule=rule_sentence(year),
                           hours=hours_text)


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=current_app.root_path).write_pdf()


def certificates_pdf(year: int, person_ids) -> bytes | None:
    """One PDF of the certificates ``person_ids`` hold for ``year`` (None: nobody has one)."""
    pages = printed(year, person_ids)
    return render_pdf(certificate_html(year, pages)) if pages else None
