"""GET /healthz: is Redis reachable, is the database reachable."""
import logging

from flask import Blueprint, current_app, jsonify
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from bot.db import ping

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
    try:
        ping(services.db_engine)
        return "ok"
    except SQLAlchemyError as error:
        log.warning("healthz: database unreachable: %s", type(error).__name__)
        return "unreachable"
