"""Storage: the database schema, migrations, the item ledger, articles, duplicates, stories.

Import the submodules you need (nothing heavy happens at import time; engines are made lazily):

``db``
    ``get_engine(url) -> Engine`` (cached per URL per process; SQLite: WAL, busy_timeout,
    ``BEGIN IMMEDIATE`` for writes), ``migrate(url)`` (alembic upgrade head; idempotent and
    safe when processes start together). Lock/connection errors raise ``DatabaseBusy``.
``ledger``
    the only door to the ``items`` table, one row per enqueued item (a package split by
    role: ``states``, ``enqueue``, ``transitions``, ``readers``, ``keys``): the named
    transitions ``record_enqueued``, ``record_started_many``, ``record_sent_failure``,
    ``record_rejected``, ``record_dead``, ``record_rejected_source``, ``record_done`` (on the
    store's open transaction); the readers ``batch_counts``, ``counts_by_stage``,
    ``batch_pace``, ``get_item``, ``item_ids_with_prefix``, ``list_items``,
    ``items_for_replay``, ``stuck_items``, ``item_key_rows``; the states
    (``TERMINAL_STATES``, ``DONE_STATES`` ...).
``repository``
    ``store_article(engine, article, settings) -> Article`` (idempotent; exact and near
    duplicates; story; ledger row terminal in the same transaction), ``get_article``,
    ``iter_articles(engine, ArticleFilter)`` (export records, streamed), ``search``
    (FTS5 / tsvector), ``list_stories``, ``list_entities``.
``dedup`` content hash, MinHash signatures and LSH bands (``minhash``: numpy).
``stories`` story matching; ``entity_index`` canonical entities and story keys.
``schema`` SQLAlchemy tables; ``migrations/`` Alembic (``alembic.ini`` for the CLI).
"""
