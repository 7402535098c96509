"""The producer side: source items -> ledger rows -> pipelined Celery chains
(``enqueue``), how a chain is published (``publish``) and when to wait (``backpressure``)."""
