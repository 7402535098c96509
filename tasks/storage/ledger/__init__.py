"""The item ledger (table ``items``): every enqueued item has a row from the moment it is
enqueued until it ends terminal. This package is the only code that reads or writes it.

* ``states``: the states and their groups (``TERMINAL_STATES``, ``DONE_STATES`` ...).
* ``enqueue``: ``record_enqueued``, the producer's hot path (both backends tuned).
* ``transitions``: started, sent-failure, rejected, dead, rejected-source, and ``record_done``
  which the store writes inside its own transaction.
* ``readers``: counts by state and by stage, batch pace, rows to replay or sweep, items.
* ``keys``: item keys already in the ledger (the producer's re-run).

Callers write ``from tasks.storage import ledger`` and ``ledger.<name>(...)``.
"""

from __future__ import annotations

from tasks.storage.ledger.enqueue import record_enqueued
from tasks.storage.ledger.keys import KeyRow, item_key_rows, known_item_keys
from tasks.storage.ledger.readers import (
    BatchPace,
    batch_counts,
    batch_pace,
    counts_by_stage,
    get_item,
    item_ids_with_prefix,
    items_for_replay,
    list_items,
    stuck_items,
    terminal_count,
)
from tasks.storage.ledger.rows import ItemRow
from tasks.storage.ledger.states import (
    ALL_STATES,
    DEAD,
    DONE_STATES,
    DUPLICATE,
    FAILED_STATES,
    IN_FLIGHT_STATES,
    PROCESSING,
    QUEUED,
    REJECTED,
    STORED,
    TERMINAL_STATES,
    DoneState,
    ItemState,
    now,
)
from tasks.storage.ledger.transitions import (
    record_dead,
    record_done,
    record_rejected,
    record_rejected_source,
    record_sent_failure,
    record_started,
    record_started_many,
)

__all__ = [
    "ALL_STATES",
    "DEAD",
    "DONE_STATES",
    "DUPLICATE",
    "FAILED_STATES",
    "IN_FLIGHT_STATES",
    "PROCESSING",
    "QUEUED",
    "REJECTED",
    "STORED",
    "TERMINAL_STATES",
    "BatchPace",
    "DoneState",
    "ItemRow",
    "ItemState",
    "KeyRow",
    "batch_counts",
    "batch_pace",
    "counts_by_stage",
    "get_item",
    "item_ids_with_prefix",
    "item_key_rows",
    "items_for_replay",
    "known_item_keys",
    "list_items",
    "now",
    "record_dead",
    "record_done",
    "record_enqueued",
    "record_rejected",
    "record_rejected_source",
    "record_sent_failure",
    "record_started",
    "record_started_many",
    "stuck_items",
    "terminal_count",
]
