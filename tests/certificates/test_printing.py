"""The printed certificate: one A4 landscape page per person, the words on it, the QR code's address, and the
pages as images (pdftoppm) for a person to look at: tests/screenshots/certificate-*.png."""
import subprocess
from pathlib import Path

from models import Certificate, db
from models.certificates import issue
from models.certificates.printing import certificates_pdf

from ..helpers import make_person
from .data import meet

SHOTS = Path(__file__).resolve().parent.parent / "screenshots"


def pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def pdf_pages(path) -> list[tuple[float, float]]:
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "99", str(path)], capture_output=True, text=True,
                          check=True).stdout
    sizes = []
    for line in info.splitlines():
        if line.startswith("Page") and "size:" in line:
            w, _x, h = line.split("size:")[1].split()[:3]
            sizes.append((float(w), float(h)))
    return sizes


def test_a_batch_is_one_pdf_with_a_landscape_page_each(tree, tmp_path):
    a = make_person(tree.employer, "欧阳明远")
    b = make_person(tree.employer, "张堃")
    meet(tree, tree.employer, [a], public=32, professional=64)
    meet(tree, tree.employer, [b], public=30, professional=60)
    issue(2026, [a.id, b.id], "王管理")
    db.session.commit()
    from flask import current_app

    with current_app.test_request_context(base_url="https://jxjy.example.cn"):
        pdf = certificates_pdf(2026, [a.id, b.id])
    path = tmp_path / "batch.pdf"
    path.write_bytes(pdf)
    sizes = pdf_pages(path)
    assert len(sizes) == 2
    assert all(w > h and abs(w - 841.89) < 1 and abs(h - 595.28) < 1 for w, h in sizes)  # A4 landscape, in pt
    text = pdf_text(path)
    pages = text.split("\f")
    cert_a = Certificate.query.filter_by(person_id=a.id).one()
    assert "专业技术人员继续教育证书" in pages[0] and "（2026年度）" in pages[0]
    assert "欧阳明远" in pages[0] and "张堃" in pages[1]
    assert a.masked_id in pages[0] and a.id_number not in text
    assert cert_a.number in pages[0] and "济南示范科技有限公司" in pages[0]
    assert "96 学时" in pages[0] and "32 学时" in pages[0] and "64 学时" in pages[0]
    assert "90 学时" in pages[1] and "其他科目" not in pages[1]
    assert "山东省人力资源和社会保障厅" in pages[0] and "扫码查验真伪" in pages[0]
    assert f"https://jxjy.example.cn/v/{cert_a.token}" in pages[0].replace(" ", "")
    assert "不少于90学时" in pages[0]
    SHOTS.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(path), str(SHOTS / "certificate")], check=True)
    assert (SHOTS / "certificate-1.png").stat().st_size > 10_000
    # The QR code as a phone reads it: rendered at print resolution, decoded, it is the page's verification URL.
    subprocess.run(["pdftoppm", "-png", "-r", "150", str(path), str(tmp_path / "page")], check=True)
    cert_b = Certificate.query.filter_by(person_id=b.id).one()
    for png, cert in ((tmp_path / "page-1.png", cert_a), (tmp_path / "page-2.png", cert_b)):
        read = subprocess.run(["zbarimg", "-q", "--raw", str(png)], capture_output=True, text=True, check=True)
        assert read.stdout.strip() == f"https://jxjy.example.cn/v/{cert.token}"


def test_nobody_with_a_certificate_makes_no_pdf(tree):
    from flask import current_app

    a = make_person(tree.employer, "甲")
    with current_app.test_request_context():
        assert certificates_pdf(2026, [a.id]) is None
