# The runbook's commands (docs/operations.md). Fly targets wrap flyctl; set APP to your app's
# name (the `app` in fly.toml) and log in first: `fly auth login`.
#
#   make test | lint | serve | demo | bench
#   make deploy | status | health | logs | list-releases | rollback | rollback-to VERSION=42

APP ?= $(shell sed -n 's/^app = "\(.*\)"/\1/p' fly.toml)
FLY ?= flyctl
PYTHON ?= .venv/bin/python
HEALTH_URL ?= https://$(APP).fly.dev:8443

.PHONY: help install test lint serve demo bench deploy status health logs list-releases \
	rollback rollback-to

help:
	@sed -n 's/^#   /  /p' Makefile

install:
	python3 -m venv .venv
	.venv/bin/pip install -q -c constraints.txt -e '.[dev]'

test:
	$(PYTHON) -m pytest

lint:
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .
	$(PYTHON) -m mypy

serve:
	.venv/bin/ytdt serve

demo:
	.venv/bin/ytdt demo

bench:
	$(PYTHON) -m bench.functions

# Build the image remotely, run `ytdt migrate` as the release command, then replace the machines
# of every process group one by one.
deploy:
	$(FLY) deploy --app $(APP) --remote-only

status:
	$(FLY) status --app $(APP)
	$(FLY) checks list --app $(APP)

# Readiness as the world sees it: 200 and every check, or 503 naming the failing one.
health:
	@curl -sS --max-time 10 -w '\nHTTP %{http_code}\n' $(HEALTH_URL)/ready

logs:
	$(FLY) logs --app $(APP)

list-releases:
	$(FLY) releases --app $(APP) --image

# Fly has no rollback command: deploy the image an earlier release ran. `rollback` picks the
# newest complete release older than the current one; `rollback-to VERSION=N` picks release vN.
# Read docs/operations.md first if the release you leave added a migration.
rollback:
	@image=$$($(FLY) releases --app $(APP) --image --json | $(PYTHON) -c "$$PICK_IMAGE" previous) \
	  && echo "rolling back to $$image" && $(FLY) deploy --app $(APP) --image "$$image"

rollback-to:
	@test -n "$(VERSION)" || { echo "usage: make rollback-to VERSION=42 (see make list-releases)"; exit 2; }
	@image=$$($(FLY) releases --app $(APP) --image --json | $(PYTHON) -c "$$PICK_IMAGE" $(VERSION)) \
	  && echo "rolling back to v$(VERSION): $$image" && $(FLY) deploy --app $(APP) --image "$$image"

# Reads `flyctl releases --image --json` on stdin; prints the image of release `previous` (the
# newest complete one before the current) or of the version given.
define PICK_IMAGE
import json, sys
def get(r, *names):
    for n in names:
        if r.get(n) not in (None, ""):
            return r[n]
rows = [r for r in json.load(sys.stdin) if get(r, "ImageRef", "imageRef", "image_ref", "Image")]
rows.sort(key=lambda r: int(get(r, "Version", "version")), reverse=True)
want = sys.argv[1]
if want == "previous":
    done = [r for r in rows[1:] if str(get(r, "Status", "status")).lower() in ("complete", "succeeded", "successful")]
    pick = done[0] if done else None
else:
    pick = next((r for r in rows if str(get(r, "Version", "version")) == want.lstrip("v")), None)
if pick is None:
    sys.exit(f"no release {want} with an image: see make list-releases")
print(get(pick, "ImageRef", "imageRef", "image_ref", "Image"))
endef
export PICK_IMAGE
