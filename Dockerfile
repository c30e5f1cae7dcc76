# syntax=docker/dockerfile:1
# One image for every function: FUNCTION_TARGET picks which one this machine serves
# (fly.toml's [processes] name it per process group). Build: docker build -t ytdt .
# Run one locally: docker run --rm -p 8080:8080 -e FUNCTION_TARGET=health -e DATABASE_URL=... ytdt

ARG PYTHON_IMAGE=python:3.11-slim

# --- builder: compilers live here only; it turns the project and its pins into wheels ----------
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml constraints.txt README.md ./
COPY common ./common
RUN pip wheel --wheel-dir /wheels -c constraints.txt .

# --- runtime: the wheels, the functions and the migrations; no compilers, not root -------------
FROM ${PYTHON_IMAGE} AS runtime
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    PORT=8080 \
    FUNCTION_TARGET=health
RUN groupadd --system --gid 10001 ytdt \
    && useradd --system --uid 10001 --gid ytdt --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin ytdt
WORKDIR /app
COPY --from=builder /wheels /wheels
# The wheel gives the dependencies and the `ytdt` command; `common` itself is served from /app
# (PYTHONPATH) so that common/../migrations is where `ytdt migrate` and the schema gate look.
RUN pip install --no-index --find-links=/wheels ytdt \
    && rm -rf /wheels "$(python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/common"
COPY common ./common
COPY functions ./functions
COPY migrations ./migrations
RUN python -m compileall -q common functions migrations
USER ytdt
EXPOSE 8080
# functions-framework runs gunicorn (1 worker, THREADS threads); exec so it gets the signals.
CMD ["sh", "-c", "exec functions-framework --target \"$FUNCTION_TARGET\" --source \"functions/$FUNCTION_TARGET/main.py\" --port \"$PORT\""]
