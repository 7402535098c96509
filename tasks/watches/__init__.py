"""Watches: saved queries and entity watch-lists that fire a signed webhook per new match.

``spec`` (what a watch is), ``match`` (does a stored article match: pure, no database),
``tables``, ``repository`` (saving watches), ``deliveries`` (recording matches inside the
store's transaction, the delivery rows' lease and outcomes), ``webhook`` (signed body,
SSRF-checked POST), ``deliver`` (one delivery attempt and its bookkeeping), ``api`` (the
functions the CLI and the HTTP API call). Nothing here imports Celery:
``workers.runtime.watch_tasks`` is the thin task.
"""
