"""Operator tools: the contestbot CLI, migrations, health, the local dev stack."""
