"""Continuous monitoring of registered sources (feeds, sitemaps): plain functions, no Celery.

``registry`` adds, lists, pauses and removes sources (table ``sources``); ``importers`` reads
OPML and CSV lists; ``schedule`` claims the due sources for one beat tick; ``poll`` fetches
one source (``feed_fetch``: conditional GET), parses it (``entries``), hands its new entries
to the producer and records the outcome (``record``); ``health`` judges it (failure score,
back-off, adaptive interval) and ``anomaly`` its volume; ``backoff`` shares a domain's
Retry-After with every worker. The Celery tasks are in ``workers/runtime/source_tasks.py``.
"""
