"""电子证书 (F30): numbering and revocation (issue.py), who may be printed (listing.py), the PDF (printing.py)."""
from .issue import Certificate, CertificateCounter, certificates_of, follow_rebuild, follow_totals, issue

__all__ = ["Certificate", "CertificateCounter", "certificates_of", "follow_rebuild", "follow_totals", "issue"]
