"""待办事项: the admin home page. The queues themselves are domain facts (models/queues.py); this page shows
the ones the acting admin may act on, each linking to its list, and refreshes them every 30 s."""
from flask import jsonify, url_for
from flask_admin import AdminIndexView, expose

from models import access
from models.queues import count_all, queues_for, shown

from .base import AccessMixin


def queue_counts():
    org = access.current_org()
    queues = queues_for(access.granted(), org.kind if org else None)
    counts = count_all(queues, access.scope_org_id())
    return [{"key": q.key, "label": q.label, "count": shown(counts[q.key]), "url": url_for(q.endpoint, **q.params)}
            for q in queues]


class DashboardView(AccessMixin, AdminIndexView):
    @expose("/")
    def index(self):
        return self.render("admin/dashboard.html", queues=queue_counts(), org=access.current_org())

    @expose("/todo.json")
    def todo_json(self):
        return jsonify(queues=queue_counts())
