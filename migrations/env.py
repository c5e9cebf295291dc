"""Alembic environment: migrate the connection handed over by geo.status.store, or the URL in $CORRIDOR_DATABASE_URL."""
from __future__ import annotations

import os
from logging.config import fileConfig

from alembic import context

from geo.status.models import Base
from geo.status.store import create_db_engine, database_url

config = context.config
target_metadata = Base.metadata


def run_migrations(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
elif context.is_offline_mode():
    context.configure(url=database_url(instance_path="instance", configured=os.environ.get("CORRIDOR_DATABASE_URL")),
                      target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    if config.config_file_name is not None:
        fileConfig(config.config_file_name, disable_existing_loggers=False)
    engine = create_db_engine(database_url(instance_path="instance",
                                           configured=os.environ.get("CORRIDOR_DATABASE_URL")))
    with engine.begin() as own_connection:
        run_migrations(own_connection)
    engine.dispose()
