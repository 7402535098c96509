"""``newsflow serve``: the HTTP API under ``/api/`` and the web pages, in one process.

A package of its own beside ``tasks`` (the stages, no Celery) and ``workers`` (everything
Celery): the server is a third kind of process, deployed as its own compose service, that
reads through ``tasks.storage`` and touches Celery only to read queue depths and replay.

* ``app``: ``create_app`` assembles the FastAPI app (API, pages, static files, headers).
* ``state``: what every request needs (settings, engine, auth on or off, the Celery app).
* ``auth``: tokens from ``Authorization: Bearer`` (API) or the session cookie (pages), roles.
* ``csrf``, ``headers``: form protection and the security headers (CSP).
* ``api/``: one router per resource; ``api.ROUTERS`` lists them (new resources add theirs).
* ``pages/``: server-rendered pages (``templates/``, autoescaped), ``pages.ROUTERS`` likewise.
* ``charts``, ``highlight``: chart geometry and article text segments for the templates.
"""
