"""A unit's own basic information and superior (F8), and a superior's direct care of its subordinates (F12b).

A unit does not edit itself: it files a ChangeRequest that its superior reviews — for a change of
superior, the NEW superior. The review queue (F16) decides and calls :func:`apply_org_change`.
A superior may also correct a subordinate directly, with a reason, and disable or enable it.
Nothing here commits: the caller commits once.
"""
from sqlalchemy import func, or_, select

from . import audit
from .account import Account
from .base import db, lock_row
from .audit import AuditEntry
from .choices import FIELD_LABELS, ORG_STATUSES
from .org import Organization, OrgClosure, subtree_ids
from .review_records import ChangeRequest

# What a unit may ask to change about itself; kind, status and the tree are not basic info.
BASIC_FIELDS = ("name", "uscc", "nature", "industry", "region", "address",
                "contact_name", "contact_phone", "contact_email")
SUGGEST_LIMIT = 20

PENDING_EXISTS = "本单位已有一条待审核的变更申请（{when}提交），请等待审核完成后再提交"
NOTHING_CHANGED = "没有修改任何内容"
USCC_TAKEN = "该统一社会信用代码已被其他单位使用"
STALE = "单位信息在提交申请后已被修改，本申请不能再生效，请驳回后由单位重新提交"


def pending_request(org) -> ChangeRequest | None:
    return db.session.scalar(select(ChangeRequest).where(
        ChangeRequest.target_type == "org", ChangeRequest.target_id == org.id, ChangeRequest.status == "pending"))


def org_history(org, limit=100) -> list[ChangeRequest]:
    """The unit's own change requests, newest first.

    These rows belong to the reviewing org (the superior), outside the unit's subtree; the unit may
    still read the requests about itself, and only those.
    """
    return db.session.scalars(
        select(ChangeRequest).where(ChangeRequest.target_type == "org", ChangeRequest.target_id == org.id)
        .order_by(ChangeRequest.requested_at.desc(), ChangeRequest.id.desc()).limit(limit)
    ).all()


def direct_edits(org, limit=100) -> list[AuditEntry]:
    """Changes made to the unit without a request of its own: a superior's or customer service's correction,
    停用/启用, or a top unit's own edit. Approved requests are not repeated here (their entries say "approve")."""
    return db.session.scalars(
        select(AuditEntry).where(AuditEntry.entity == Organization.__tablename__,
                                 AuditEntry.entity_id == str(org.id),
                                 AuditEntry.action.in_(("update", "disable", "enable")))
        .order_by(AuditEntry.id.desc()).limit(limit)
    ).all()


def check_uscc_free(uscc, org_id):
    if uscc and db.session.scalar(select(func.count()).where(Organization.uscc == uscc, Organization.id != org_id)):
        raise ValueError(USCC_TAKEN)


def diff_basic_info(org, values: dict) -> dict:
    """{field: {"before": x, "after": y}} for the basic fields whose value differs ("" counts as empty)."""
    changes = {}
    for field in BASIC_FIELDS:
        if field not in values:
            continue
        before, after = getattr(org, field), values[field] or None
        if (before or None) != after:
            changes[field] = {"before": before, "after": after}
    return changes


def _refuse_if_pending(org):
    pending = pending_request(org)
    if pending is not None:
        raise ValueError(PENDING_EXISTS.format(when=pending.requested_at.strftime("%Y-%m-%d")))


def request_basic_change(org, values: dict, account) -> ChangeRequest | None:
    """File the unit's edit of its basic info for its superior to review.

    A unit without a superior (the top of the tree) has nobody to ask: its edit applies at once.
    Returns the request, or None when the change was applied directly.
    """
    changes = diff_basic_info(org, values)
    if not changes:
        raise ValueError(NOTHING_CHANGED)
    _refuse_if_pending(org)
    if "uscc" in changes:
        check_uscc_free(changes["uscc"]["after"], org.id)
    if org.parent_id is None:
        with audit.reason("无上级部门，修改直接生效"):
            for field, change in changes.items():
                setattr(org, field, change["after"])
            db.session.flush()
        return None
    request = ChangeRequest(target_type="org", target_id=org.id, org_id=org.parent_id, subject_name=org.name,
                            changes=changes, requested_by_id=getattr(account, "id", None))
    db.session.add(request)
    return request


def request_superior_change(org, new_parent, account) -> ChangeRequest:
    """更换上级部门: a request the new superior reviews."""
    if new_parent is None or new_parent.status != "approved":
        raise ValueError("请选择已审核通过的上级部门")
    if new_parent.id == org.parent_id:
        raise ValueError("所选单位已是本单位的上级部门")
    if org.contains(new_parent.id):
        raise ValueError("不能选择本单位或本单位的下属单位作为上级部门")
    _refuse_if_pending(org)
    request = ChangeRequest(target_type="org", target_id=org.id, org_id=new_parent.id, subject_name=org.name,
                            changes={"parent_id": {"before": org.parent_id, "after": new_parent.id}},
                            requested_by_id=getattr(account, "id", None))
    db.session.add(request)
    return request


def apply_org_change(request: ChangeRequest) -> Organization:
    """Apply an approved org ChangeRequest to its unit; the review queue calls this, then records its decision.

    Every field must still hold the value it had when the request was filed, so a stale request
    never overwrites a later correction; ``parent_id`` re-hangs the unit's whole subtree.
    Raises ValueError (Chinese message) and changes nothing when the request cannot apply.
    Sets no status on the request and does not commit.
    """
    if request.target_type != "org":
        raise ValueError("不是单位信息变更申请")
    org = db.session.get(Organization, request.target_id)
    if org is None:
        raise ValueError("申请变更的单位已不存在")
    changes = dict(request.changes or {})
    move = changes.pop("parent_id", None)
    unknown = set(changes) - set(BASIC_FIELDS)
    if unknown:
        raise ValueError("申请中含有不能修改的项目：" + "、".join(sorted(unknown)))
    if any((getattr(org, f) or None) != (c.get("before") or None) for f, c in changes.items()):
        raise ValueError(STALE)
    if "uscc" in changes:
        check_uscc_free(changes["uscc"]["after"], org.id)
    new_parent = None
    if move is not None:
        if org.parent_id != move.get("before"):
            raise ValueError(STALE)
        new_parent = db.session.get(Organization, move.get("after"))
        if new_parent is None or new_parent.status != "approved":
            raise ValueError("新的上级部门不存在或未审核通过")
        if org.contains(new_parent.id):
            raise ValueError("不能把单位挂到它自己或它的下属单位之下")
    for field, change in changes.items():
        setattr(org, field, change.get("after"))
    if new_parent is not None:
        org.move_under(new_parent)
    return org


def describe_changes(changes: dict) -> list[dict]:
    """Rows for showing a request: Chinese label, before and after as text (superiors by name)."""
    ids = {v for c in (changes or {}).values() for v in (c.get("before"), c.get("after"))}
    names = {}
    if "parent_id" in (changes or {}):
        wanted = [i for i in ids if isinstance(i, int)]
        names = dict(db.session.execute(
            select(Organization.id, Organization.name).where(Organization.id.in_(wanted))).all()) if wanted else {}
    rows = []
    for field, change in (changes or {}).items():
        before, after = change.get("before"), change.get("after")
        if field == "parent_id":
            before, after = names.get(before, "无" if before is None else before), names.get(after, after)
        elif field == "status":
            before, after = ORG_STATUSES.get(before, before), ORG_STATUSES.get(after, after)
        rows.append({"field": field, "label": FIELD_LABELS.get(field, field),
                     "before": "" if before is None else before, "after": "" if after is None else after})
    return rows


def account_names(ids) -> dict:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(select(Account.id, Account.name).where(Account.id.in_(ids))).all())


def superior_candidates(org, text: str, limit: int = SUGGEST_LIMIT) -> list[Organization]:
    """Approved units a unit may ask to move under, by name or USCC: the public directory of the
    registration page, minus the unit's own subtree and its current superior."""
    text = (text or "").strip()[:50]
    if not text:
        return []
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    query = select(Organization).where(
        Organization.status == "approved",
        or_(Organization.name.ilike(f"%{escaped}%", escape="\\"), Organization.uscc == text.upper()),
        Organization.id.not_in(subtree_ids(org.id)),
    )
    if org.parent_id:
        query = query.where(Organization.id != org.parent_id)
    return db.session.scalars(
        query.order_by(func.length(Organization.name), Organization.name).limit(min(limit, SUGGEST_LIMIT))
    ).all()


# -- a superior's direct care of its subordinates (F12b) -------------------------------------------
def edit_subordinate(org, values: dict, reason_text: str):
    """Correct a subordinate's basic info at once; the audit entry carries the reason."""
    if not (reason_text or "").strip():
        raise ValueError("请填写修改原因")
    changes = diff_basic_info(org, values)
    if not changes:
        raise ValueError(NOTHING_CHANGED)
    if "uscc" in changes:
        check_uscc_free(changes["uscc"]["after"], org.id)
    with audit.reason(reason_text.strip()):
        for field, change in changes.items():
            setattr(org, field, change["after"])
        db.session.flush()
    return changes


def set_org_enabled(org, enabled: bool, acting_org_id=None, reason_text=None):
    """停用 / 启用 a unit. A disabled unit's admins and staff cannot log in (models.login) and an
    admin's open session ends at the next click (models.access re-reads the membership)."""
    if acting_org_id is not None and org.id == acting_org_id:
        raise ValueError("不能停用或启用本单位")
    name, org = org.name, lock_row(Organization, org.id)  # decide on the status the previous click left
    if org is None:
        raise ValueError(f"{name}：该单位已不存在")
    if enabled and org.status == "approved":
        raise ValueError(f"{org.name}：该单位已启用")
    if not enabled and org.status == "disabled":
        raise ValueError(f"{org.name}：该单位已停用")
    if enabled and org.status != "disabled":
        raise ValueError(f"{org.name}：只有已停用的单位可以启用")
    if not enabled and org.status != "approved":
        raise ValueError(f"{org.name}：只有已审核通过的单位可以停用")
    with audit.action("enable" if enabled else "disable"), audit.reason(reason_text):
        org.status = "approved" if enabled else "disabled"
        db.session.flush()


def tree_paths(org_ids, below_org_id=None) -> dict:
    """{org id: "A / B / C"} for a page of units in one query; with ``below_org_id`` the path starts there."""
    if not org_ids:
        return {}
    query = (select(OrgClosure.descendant_id, Organization.name)
             .join(Organization, Organization.id == OrgClosure.ancestor_id)
             .where(OrgClosure.descendant_id.in_(org_ids))
             .order_by(OrgClosure.descendant_id, OrgClosure.depth.desc()))
    if below_org_id is not None:
        query = query.where(OrgClosure.ancestor_id.in_(subtree_ids(below_org_id)))
    paths = {}
    for org_id, name in db.session.execute(query):
        paths.setdefault(org_id, []).append(name)
    return {org_id: " / ".join(names) for org_id, names in paths.items()}
