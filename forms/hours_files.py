"""The proof-files input of the declaration forms: the files are checked (type by content, sizes, count) as the
form validates, so the problems show next to the field and nothing is stored."""
from flask import has_app_context
from wtforms import MultipleFileField
from wtforms.validators import ValidationError

from models.hours import attachments


def limits_hint() -> str:
    """The configured limits in words, for the field's description."""
    if not has_app_context():
        return "支持 PDF、JPG、PNG 格式"
    return (f"支持 PDF、JPG、PNG，单个文件不超过 {attachments.size_text(attachments.limit('ATTACHMENT_MAX_BYTES'))}，"
            f"最多 {attachments.limit('ATTACHMENT_MAX_FILES')} 个，"
            f"合计不超过 {attachments.size_text(attachments.limit('ATTACHMENT_MAX_TOTAL_BYTES'))}")


class ProofFilesField(MultipleFileField):
    """证明材料. ``required``: a learning form whose evidence is required refuses a declaration without files
    (set it per form instance, e.g. ``form.files.required = learning_form.evidence_required``)."""

    def __init__(self, label="证明材料", validators=None, required=False, **kwargs):
        kwargs["render_kw"] = {"accept": attachments.ACCEPT, **(kwargs.get("render_kw") or {})}
        kwargs.setdefault("description", limits_hint())
        super().__init__(label, validators, **kwargs)
        self.required = required

    @property
    def files(self) -> list:
        """The files actually chosen (a file input posts one empty part when none is)."""
        return attachments.present(self.data)

    def pre_validate(self, form):
        if self.required and not self.files:
            raise ValidationError(attachments.NO_FILES)
        problems = attachments.check(self.files)
        if problems:
            self.errors.extend(problems[:-1])
            raise ValidationError(problems[-1])
