"""Building blocks of the fetch stage: decoding, local files, HTTP with an SSRF guard, politeness.

Each module does one job so the producer (tasks.sources) and other stages can reuse them:
``decode.decode_bytes`` turns bytes into text, ``sniff`` says what the bytes are, ``files``
reads a local path safely, ``http`` downloads a URL safely, ``politeness`` rations requests
per domain across every worker.
"""
