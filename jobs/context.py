"""The services a job uses, built once per worker process from the environment."""
from functools import lru_cache

from config.settings import load_settings


@lru_cache(maxsize=1)
def job_services():
    """This worker's Services (settings, Redis, database, contest, clock)."""
    from bot.services import build_services

    return build_services(load_settings())
