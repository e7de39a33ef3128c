"""待办事项: the admin home page. Queues register here, once, with the permission that may act on them."""
from dataclasses import dataclass, field
from typing import Callable

from flask import jsonify, url_for
from flask_admin import AdminIndexView, expose

from . import access
from .base import AccessMixin


@dataclass(frozen=True)
class Queue:
    key: str
    label: str
    permission: str
    count: Callable[[int | None], int]  # org id of the scope (None: unbounded) -> pending rows
    endpoint: str
    params: dict = field(default_factory=dict)


QUEUES: list[Queue] = []


def register_queue(queue: Queue):
    QUEUES.append(queue)


def visible_queues():
    return [q for q in QUEUES if access.can(q.permission)]


def queue_counts():
    scope = access.scope_org_id()
    return [{"key": q.key, "label": q.label, "count": q.count(scope),
             "url": url_for(q.endpoint, **q.params)} for q in visible_queues()]


class DashboardView(AccessMixin, AdminIndexView):
    @expose("/")
    def index(self):
        return self.render("admin/dashboard.html", queues=queue_counts(), org=access.current_org())

    @expose("/todo.json")
    def todo_json(self):
        return jsonify(queues=queue_counts())
