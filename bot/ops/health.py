"""GET /healthz: is Redis reachable, is the database reachable and at the newest migration."""
import logging

from flask import Blueprint, current_app, jsonify
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from bot.ops.migrate import head_revision, revision_of

log = logging.getLogger(__name__)
health = Blueprint("health", __name__)


@health.get("/healthz")
def healthz():
    """200 with each dependency 'ok', or 503 naming what is down."""
    services = current_app.extensions["contestbot"]
    checks = {"redis": _check_redis(services), "database": _check_database(services)}
    healthy = all(value == "ok" for value in checks.values())
    body = {"status": "ok" if healthy else "degraded", **checks,
            "contest": services.contest.id}
    return jsonify(body), 200 if healthy else 503


def _check_redis(services) -> str:
    try:
        services.redis.ping()
        return "ok"
    except RedisError as error:
        log.warning("healthz: redis unreachable: %s", type(error).__name__)
        return "unreachable"


def _check_database(services) -> str:
    """'ok' only when the schema is the one this code expects (run the release step if not)."""
    try:
        with services.db_engine.connect() as connection:
            revision = revision_of(connection)
    except SQLAlchemyError as error:
        log.warning("healthz: database unreachable: %s", type(error).__name__)
        return "unreachable"
    if revision != head_revision():
        log.warning("healthz: database schema at %s, expected %s", revision, head_revision())
        return "not migrated (run the release step)" if revision is None else "schema behind"
    return "ok"
