"""Alembic environment: runs inside the Flask app (``flask --app app db upgrade``), so the database
URL and the metadata come from the app's configuration and ``models.py``."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
if config.config_file_name:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

db = current_app.extensions["migrate"].db
config.set_main_option(
    "sqlalchemy.url", db.engine.url.render_as_string(hide_password=False).replace("%", "%%")
)
target_metadata = db.metadata


def run_migrations_offline() -> None:
    """Emit SQL to stdout (``flask db upgrade --sql``) instead of running it."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    def skip_empty(context, revision, directives):  # type: ignore[no-untyped-def]
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", skip_empty)
    conf_args.setdefault("compare_type", True)
    # the partitions of grade and absence (migration 0019) are not models
    from partitions import include_name

    conf_args.setdefault("include_name", include_name)
    # custom column types (tables.base.GradeValue) are written as models.X: the name every
    # migration imports (script.py.mako), whichever module of tables/ defines them
    conf_args.setdefault("user_module_prefix", "models.")
    # a migration is a long job: no web request deadline, the job statement time-out
    from config import database

    database.long_jobs(current_app._get_current_object())  # type: ignore[attr-defined]
    with db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, **conf_args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
