"""Headers every response carries: a Content-Security-Policy with one nonce per request, no framing, no
MIME sniffing, no referrer leaving the site."""
import secrets

from flask import g

# style-src keeps 'unsafe-inline': Bootstrap's and select2's scripts set element styles at run time, and the
# templates (ours and Flask-Admin's) use style="" attributes; inline styles cannot run code, inline scripts can.
CSP = ("default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def csp_nonce() -> str:
    """The nonce of this request's CSP, the same for Flask-Admin's templates and ours."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def set_security_headers(response):
    response.headers["Content-Security-Policy"] = CSP.format(nonce=csp_nonce())
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def init_headers(app):
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.after_request(set_security_headers)
