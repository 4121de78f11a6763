"""Alembic environment. Runs on a connection handed over by `lrs.storage.schema` (the async engine's
sync connection), or opens one itself for the `alembic` command line."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from lrs.storage.engine import normalise_url
from lrs.storage.schema import all_metadata

config = context.config
target_metadata = all_metadata()


def run_with(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_standalone(url: str) -> None:
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(normalise_url(url))
    async with engine.begin() as connection:
        await connection.run_sync(run_with)
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()
elif (handed := config.attributes.get("connection")) is not None:
    run_with(handed)
else:
    asyncio.run(run_standalone(str(config.get_main_option("sqlalchemy.url"))))
