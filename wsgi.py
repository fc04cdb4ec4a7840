"""The web process (Procfile `web`): the bot's Flask app answering chat by handlers' routing
table. bot/ never imports handlers/; this is where the two meet."""
from flask import Flask

from bot.app import create_app as create_bot_app
from handlers.routes import build_routes


def create_app(overrides: dict | None = None) -> Flask:
    """The whole web app from the environment: gunicorn serves 'wsgi:create_app()'."""
    return create_bot_app(overrides, routes=build_routes())
