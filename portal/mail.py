"""Outgoing mail: SMTP when MAIL_SERVER is set; every message is also kept in the outbox table."""
import smtplib
from email.message import EmailMessage

from flask import current_app

from models import OutboxMail, db


def send_mail(to: str, subject: str, body: str) -> OutboxMail:
    mail = OutboxMail(to_addr=to, subject=subject, body=body)
    db.session.add(mail)
    server = current_app.config.get("MAIL_SERVER")
    if server:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = current_app.config["MAIL_FROM"], to, subject
        msg.set_content(body)
        with smtplib.SMTP(server, current_app.config["MAIL_PORT"], timeout=10) as smtp:
            smtp.send_message(msg)
        mail.delivered = True
    return mail
