"""The services a job uses, built once per worker process from the environment."""
from functools import lru_cache

from bot.services import Services, build_services
from config.settings import load_settings


@lru_cache(maxsize=1)
def job_services() -> Services:
    """This worker's Services (settings, Redis, database, contest, clock); no chat engine."""
    return build_services(load_settings())
