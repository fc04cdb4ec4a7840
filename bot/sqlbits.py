"""Small SQL helpers shared by the bulk paths (broadcasts, the planner)."""
from sqlalchemy import bindparam, func
from sqlalchemy.dialects.postgresql import ARRAY


def among(session, column, values):
    """`column IN values`; on PostgreSQL one array parameter (`= ANY(...)`) instead of one bound
    parameter per value, which keeps a 10,000-value batch cheap to send and to plan."""
    values = list(values)
    if session.get_bind().dialect.name == "postgresql":
        return column == func.any(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)
