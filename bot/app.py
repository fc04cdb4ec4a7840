"""The Flask application factory (like Flask's flaskr tutorial): settings, services, blueprints.

The web process builds it with handlers' routing table (wsgi.py); without one (the operator
CLI) the app has every page but no webhook, since nothing would answer a message.
"""
import logging

import click
from flask import Flask

from bot.chat.engine import ChatRoutes
from bot.chat.webhook import webhook
from bot.console import register_console
from bot.h5.pages import register_h5
from bot.h5.upload import register_h5_upload
from bot.ops.cli import register_cli
from bot.ops.health import health
from bot.services import Services, build_services
from bot.web_security import install_web_security
from bot.wechat.crypto import MessageCipher
from config.settings import load_settings, require_secrets


def create_app(overrides: dict | None = None, services: Services | None = None,
               routes: ChatRoutes | None = None) -> Flask:
    """Build the app from the environment; tests pass overrides or ready-made services."""
    settings = services.settings if services is not None else load_settings(overrides)
    if click.get_current_context(silent=True) is None:
        # Serving (gunicorn, tests): refuse public or missing secrets. Commands run through
        # `contestbot ...` (Flask's CLI) serve nothing, so an operator's CLI works without them.
        require_secrets(settings)
    logging.basicConfig(level=settings["LOG_LEVEL"],
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(SECRET_KEY=settings["SECRET_KEY"],
                      MAX_CONTENT_LENGTH=settings["WECHAT_MAX_BODY_BYTES"])
    install_web_security(app, settings)
    services = services or build_services(settings, routes)
    app.extensions["contestbot"] = services
    if settings["WECHAT_ENCODING_AES_KEY"]:
        app.extensions["contestbot.cipher"] = MessageCipher(
            settings["WECHAT_TOKEN"], settings["WECHAT_APP_ID"],
            settings["WECHAT_ENCODING_AES_KEY"], settings["WECHAT_PREVIOUS_AES_KEY"])
    if services.chat is not None:
        app.register_blueprint(webhook)
    app.register_blueprint(health)
    register_h5(app)
    register_h5_upload(app)
    register_console(app)
    register_cli(app)
    return app
