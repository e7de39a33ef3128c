"""Command line: ``flask --app app db-upgrade | db-revision | seed | outbox`` (jobs-worker and jobs-cleanup:
models/job_queue.py)."""
from pathlib import Path

import click
from alembic import command
from alembic.config import Config
from flask import current_app
from sqlalchemy import func, select

from models import Organization, OutboxMail, db
from models.job_queue import create_queue_tables

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def upgrade_database():
    with db.engine.begin() as connection:
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


def register_cli(app):
    from models.hours.totals import register_cli as register_totals

    register_totals(app)  # hours-totals-rebuild

    @app.cli.command("db-upgrade")
    def db_upgrade():
        """Create or migrate the database to the newest schema."""
        upgrade_database()
        create_queue_tables(current_app.extensions["huey"])  # huey's own huey_* tables, when it queues in PostgreSQL
        click.echo("数据库已是最新结构")

    @app.cli.command("db-revision")
    @click.option("-m", "--message", required=True)
    def db_revision(message):
        """Autogenerate a migration from the models (developers)."""
        with db.engine.begin() as connection:
            cfg = alembic_config()
            cfg.attributes["connection"] = connection
            command.revision(cfg, message=message, autogenerate=True)

    @app.cli.command("seed")
    @click.option("--demo", is_flag=True, help="Load the deterministic demo data set (only into an empty database).")
    @click.option("--persons", type=int, default=0, help="Add N more staff for scale work.")
    @click.option("--if-empty", is_flag=True, help="With --demo: do nothing when data exists.")
    @click.option("--scale", type=click.Choice(["province"]),
                  help="Province-scale data in the tester's proportions (500,000 staff unless --persons says).")
    @click.option("--pending-persons", type=int, default=0, help="Add N staff registrations awaiting review.")
    @click.option("--pending-units", type=int, default=0, help="Add N unit registrations awaiting review.")
    @click.option("--review-records", type=int, default=0, help="Add N review records (the 已审核 tabs).")
    @click.option("--change-requests", type=int, default=0, help="Add N pending staff change requests.")
    @click.option("--transfers", type=int, default=0, help="Add N transfers in every status.")
    @click.option("--audit-rows", type=int, default=0, help="Add N admin login entries to the audit log.")
    @click.option("--credits", type=int, default=0, help="Add N credit records (each with its declaration).")
    def seed(demo, persons, if_empty, scale, credits, **extra):
        """Load demo data and/or scale data."""
        from demo import add_persons, add_scale, load_demo, province_counts

        if demo:
            has_data = db.session.scalar(select(func.count()).select_from(Organization))
            if has_data and if_empty:
                click.echo("数据库已有数据，跳过演示数据")
            elif has_data:
                raise click.ClickException("数据库已有数据：演示数据只装入空数据库")
            else:
                load_demo()
                click.echo("演示数据已装入")
        if scale == "province":
            counts = province_counts(persons or 500_000)
            persons = counts.pop("persons")
            extra = {k: extra[k] or v for k, v in counts.items()}
        if persons:
            added = add_persons(persons)
            click.echo(f"已新增 {added} 名专技人员")
        if any(extra.values()):
            add_scale(extra, progress=click.echo)
        if credits:
            from demo.credits import add_credits

            click.echo(f"已新增学时记录 {add_credits(credits, progress=click.echo):,} 条")

    @app.cli.command("operator-role")
    @click.argument("id_number")
    @click.argument("role", type=click.Choice(["service", "ops"]))
    @click.option("--reason", default="命令行设置平台运维角色", show_default=True)
    def operator_role(id_number, role, reason):
        """Make the account ID_NUMBER a platform operator with ROLE (service 客服 / ops 运维): the first 运维 comes
        from here, the others from 运维工作台 · 运维账号. Audited; the last 运维 is never made 客服."""
        from models import Account
        from models.validators import normalize_id_number
        from models.workbench import operators
        from models.workbench.fixes import Refusal

        try:
            number = normalize_id_number(id_number)
        except ValueError as e:
            raise click.ClickException(str(e)) from None
        account = db.session.scalar(select(Account).where(Account.id_number == number))
        if account is None:
            raise click.ClickException("没有该身份证号的账号")
        try:
            operators.set_role(account.id, role, reason, make_operator=True)
        except Refusal as e:
            db.session.rollback()
            raise click.ClickException(str(e)) from None
        db.session.commit()
        click.echo(f"已将 {account.name}（{number}）设为平台{operators.role_label(role)}")

    @app.cli.command("outbox")
    @click.option("-n", default=10, help="How many of the newest mails.")
    def outbox(n):
        """Show the newest mails of the local outbox (verification codes in development)."""
        for mail in db.session.scalars(select(OutboxMail).order_by(OutboxMail.id.desc()).limit(n)):
            click.echo(f"[{mail.created_at}] {mail.to_addr} | {mail.subject}\n{mail.body}\n")
