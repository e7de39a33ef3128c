"""证明材料: a declaration's proof file, served inline to those who may see it (models/hours/attachments.py)."""
from flask import abort
from flask_admin import expose
from flask_login import current_user

from models.hours.attachments import find_visible, send_attachment

from ..base import ScopedView


class AttachmentView(ScopedView):
    """No page of its own: the files the record pages link to. Anyone who may not see a file is told it does not
    exist (404), never that it is someone else's."""

    def is_visible(self):
        return False

    def inaccessible_callback(self, name, **kwargs):
        if current_user.is_authenticated:
            abort(404)
        return super().inaccessible_callback(name, **kwargs)

    @expose("/")
    def index(self):
        abort(404)

    @expose("/<attachment_id>")
    def file(self, attachment_id):
        return send_attachment(find_visible(attachment_id))


def add_views(admin, declare_category, review_category, platform_category):
    admin.add_view(AttachmentView(name="证明材料", endpoint="hours_attachments", url="/admin/hours/attachments"))
