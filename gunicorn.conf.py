"""Read by gunicorn from the working directory: refuse to start the web process without secrets.

create_app() refuses too, but inside a gunicorn worker that surfaces as a traceback and
"Worker failed to boot"; checked here, in the master, the operator reads one line.
"""
import sys

from config.settings import InsecureSettings, load_settings, require_secrets


def on_starting(server):
    """Exit with one line naming each missing or public secret (never in the dev stack)."""
    try:
        require_secrets(load_settings())
    except (InsecureSettings, ValueError) as error:
        print(f"contestbot web: {error}", file=sys.stderr, flush=True)
        sys.exit(2)
