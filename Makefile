# Reelay: the two commands are `make run` and `make test` (see README.md). Both install what is missing, start a private
# Redis and PostgreSQL on loopback (data under .data/), build, and then run or test. Running either twice is safe.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
SWIFT ?= swift
BIN := .build/debug/reelay
RELEASE_BIN := .build/release/reelay
# The local servers' URLs, written by scripts/services.sh start.
WITH_ENV := set -a; source .data/env; set +a;

.PHONY: run test test-release test-dashboard check-deploy fuzz-api chaos fleet-test stop deps services build release migrate status check-imports bench-redis clean

## run: install, start Redis + PostgreSQL, build, migrate, start the sandbox TikTok, the API, the scheduler and a worker, then drive the demo through the API
run: deps services build
	@$(WITH_ENV) $(BIN) migrate
	@scripts/demo.sh start
	@scripts/demo-flow.sh
	@$(WITH_ENV) $(BIN) status
	@echo "Redis, PostgreSQL, the sandbox, the API, the scheduler and the worker keep running (make stop stops them; logs in .data/demo/)."

## test: install, start Redis + PostgreSQL, check the import rules, build and run every test (but the release build's memory test: make test-release)
test: deps services check-imports
	@$(WITH_ENV) $(SWIFT) build --build-tests
	@$(WITH_ENV) timeout 1800 scripts/run-tests.sh

## test-release: build the release reelay and run the test that measures it (the 300 MB publish under 64 MB RSS); CI runs it after make test
test-release: deps services release
	@$(WITH_ENV) $(SWIFT) build --build-tests
	@$(WITH_ENV) timeout 900 $(SWIFT) test --skip-build --filter PublishMemoryTests

## test-dashboard: the dashboard in headless Chromium (Selenium): every page with data, a dead letter retried, the queue paused and resumed; screenshots in .data/dashboard-screenshots; then every metric the Grafana dashboard queries, scraped from the API, worker and scheduler
test-dashboard: deps build
	@REELAY_BIN=$(BIN) scripts/dashboard-test.sh

## check-deploy: lint and validate deploy/ (YAML, Kubernetes and KEDA schemas, Grafana queries, compose, Dockerfile, systemd-analyze verify)
check-deploy:
	@scripts/check-deploy.sh

## fuzz-api: schemathesis over every API operation (a reelay api of its own; ST_MAX_EXAMPLES, ST_MAX_TIME to run longer)
fuzz-api: deps services build
	@scripts/schemathesis.sh

## chaos: CHAOS_POSTS (5,000) posts over 50 sandbox creators while workers, Redis, PostgreSQL, the API and the scheduler leader are killed; the last line is `lost=0 duplicated=0 completed=N failed=M`
chaos: deps release
	@REELAY_BIN=$(RELEASE_BIN) scripts/chaos.sh

## fleet-test: (root) Redis, PostgreSQL, the API and the scheduler in one network namespace, a worker in each of two others; one worker host's link is cut mid-run
fleet-test: deps build
	@REELAY_BIN=$(BIN) scripts/fleet-test.sh

## stop: stop the worker, the sandbox, Redis and PostgreSQL that run/test started
stop:
	@scripts/demo.sh stop
	@scripts/services.sh stop

deps:
	@scripts/services.sh deps

services:
	@scripts/services.sh start

build:
	@$(SWIFT) build --product reelay

release:
	@$(SWIFT) build -c release --product reelay

migrate: services build
	@$(WITH_ENV) $(BIN) migrate

status: services build
	@$(WITH_ENV) $(BIN) status

check-imports:
	@scripts/check-imports.sh

## bench-redis: the Swift client against redis-benchmark on the local Redis (release build)
bench-redis: deps services release
	@REELAY_BIN=$(RELEASE_BIN) REDIS_PORT=$${REELAY_DEV_REDIS_PORT:-6390} scripts/bench-redis.sh

clean: stop
	rm -rf .data
