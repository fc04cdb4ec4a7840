"""A small fuzz pass over POST /wechat (bench/fuzz.py's generators; the bench runs thousands).

Hostile bodies and queries never get a 5xx, and each family gets the answers it should: forged
signatures 403, hostile XML 400/413, well-formed signed messages 200.
"""
from collections import Counter

from bench.fuzz import APP_ID, TOKEN, run
from bot.app import create_app
from bot.services import build_services
from handlers.routes import build_routes
from tests.bot_fixtures import bot_settings


def test_a_fuzz_pass_over_the_webhook_gets_no_5xx_and_the_expected_refusals(engine, redis_url,
                                                                           database_url):
    settings = bot_settings(redis_url, database_url, WECHAT_TOKEN=TOKEN, WECHAT_APP_ID=APP_ID,
                            LOG_LEVEL="CRITICAL", WECHAT_API_BASE_URL="http://127.0.0.1:9")
    client = create_app(services=build_services(settings, routes=build_routes())).test_client()
    result = run(client, count=400, seed=1)
    assert result["unexpected"] == []
    statuses = result["statuses"]
    assert set(statuses["wrong_signature"]) == {403}
    assert set(statuses["valid_message"]) == {200}
    assert set(statuses["hostile_xml"]) <= {400, 413} and statuses["hostile_xml"]
    everything = Counter()
    for counter in statuses.values():
        everything.update(counter)
    assert not [code for code in everything if code >= 500]
    assert sum(everything.values()) == 400
