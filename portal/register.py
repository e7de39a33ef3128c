"""用人单位注册 (F1) and 专技人员注册 (F2): public pages."""
from flask import Blueprint

bp = Blueprint("register", __name__, url_prefix="/register")
