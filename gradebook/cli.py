"""Staff accounts from the command line: ``flask --app app staff create-operator`` and
``flask --app app staff create-admin`` (a school admin for an existing school)."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup
from werkzeug.security import generate_password_hash

from models import School
from models import StaffMembership
from models import StaffRole
from models import StaffUser
from models import db

staff_cli = AppGroup("staff", help="Staff accounts of the staff web.")


def _user(email: str, name: str, password: str) -> StaffUser:
    email = email.strip().lower()
    user = db.session.scalar(sa.select(StaffUser).where(StaffUser.email == email))
    if user is None:
        user = StaffUser(email=email, full_name=name, password_hash="")
        db.session.add(user)
    user.full_name = name
    user.password_hash = generate_password_hash(password)
    user.active = True
    return user


@staff_cli.command("create-operator")
@click.option("--email", required=True)
@click.option("--name", default="Оператор")
@click.password_option()
def create_operator(email: str, name: str, password: str) -> None:
    """Create (or reset) a platform operator (sees no pupil data)."""
    user = _user(email, name, password)
    user.is_operator = True
    db.session.commit()
    click.echo(f"operator {user.email} ready")


@staff_cli.command("create-admin")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--school-id", type=int, required=True)
@click.password_option()
def create_admin(email: str, name: str, school_id: int, password: str) -> None:
    """Create (or reset) a school admin of an existing school."""
    if db.session.get(School, school_id) is None:
        raise click.ClickException(f"no school {school_id}")
    user = _user(email, name, password)
    db.session.flush()
    exists = db.session.scalar(
        sa.select(StaffMembership).where(
            StaffMembership.staff_id == user.id,
            StaffMembership.school_id == school_id,
            StaffMembership.role == StaffRole.ADMIN,
        )
    )
    if exists is None:
        db.session.add(
            StaffMembership(
                staff_id=user.id, school_id=school_id, role=StaffRole.ADMIN, position="директор"
            )
        )
    db.session.commit()
    click.echo(f"admin {user.email} of school {school_id} ready")
