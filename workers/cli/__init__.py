"""The ``newsflow`` command: ``app`` assembles it from one module per group of commands.

``context`` (settings, engines, exit codes), ``output`` (tables for people, tab-separated rows
for pipes), ``ids`` (unique id prefixes); the commands: ``pipeline_cmds`` (run, worker,
enqueue), ``article_cmds`` (show, export, search, stories, entities), ``item_cmds`` (status,
failed, replay, sweep), ``db_cmds`` (db upgrade, current, check), ``web_cmds`` (serve, tokens).
"""

from __future__ import annotations

from workers.cli.app import app, main

__all__ = ["app", "main"]
