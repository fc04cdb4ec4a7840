"""Small SQL helpers shared by the bulk paths (broadcasts, the planner) and the upserts."""
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import ColumnElement, Connection, bindparam, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import InstrumentedAttribute, Session

Insert = postgresql.Insert | sqlite.Insert  # both have on_conflict_do_nothing / _do_update

_INSERTS: dict[str, Callable[[Any], Insert]] = {"postgresql": postgresql.insert,
                                                "sqlite": sqlite.insert}


def dialect_insert(session: Session | Connection, table: Any) -> Insert:
    """The INSERT of the database (PostgreSQL or SQLite) of a session or a connection, with
    on_conflict_do_*."""
    bind = session if isinstance(session, Connection) else session.get_bind()
    return _INSERTS[bind.dialect.name](table)


def among(session: Session, column: InstrumentedAttribute[Any],
          values: Iterable[Any]) -> ColumnElement[bool]:
    """`column IN values`; on PostgreSQL one array parameter (`= ANY(...)`) instead of one bound
    parameter per value, which keeps a 10,000-value batch cheap to send and to plan."""
    values = list(values)
    if session.get_bind().dialect.name == "postgresql":
        return column == func.any(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)
