# The two commands (see README.md): `make run` and `make test`. Everything else is a helper.
SHELL := /bin/bash
.DEFAULT_GOAL := help

APT_PACKAGES := libprotobuf-c-dev protobuf-c-compiler protobuf-compiler libprotobuf-dev libssl-dev libsqlite3-dev
# What the tests and benchmarks need besides: a PostgreSQL server to start and stop, and Go
# with golang.org/x/mod/sumdb to check the transparency log with code we did not write.
TEST_APT_PACKAGES := postgresql golang-go golang-golang-x-mod-dev curl chromium fonts-noto-cjk
PIP_PACKAGES := protobuf grpcio grpcio-tools grpcio-health-checking grpcio-reflection googleapis-common-protos pytest PyYAML websocket-client
PYTHON ?= python3
SWIFT_BUILD_FLAGS ?=

# The API and the standard protos it serves, as named inside proto/.
API_PROTOS := $(shell cd proto && find cqmon -name '*.proto' | sort)
STD_PROTOS := grpc/health/v1/health.proto grpc/reflection/v1/reflection.proto \
              grpc/reflection/v1alpha/reflection.proto google/rpc/status.proto google/rpc/error_details.proto
WKT_PROTOS := google/protobuf/timestamp.proto google/protobuf/duration.proto google/protobuf/any.proto
ALL_PROTOS := $(API_PROTOS) $(STD_PROTOS) $(WKT_PROTOS)
FIXTURE_PROTOS := cqmon/testing/shapes.proto
PROTO_INCLUDE := /usr/include

# The service tests that run a second time on PostgreSQL, in process and end to end (the rest
# do not touch a store).
# The suites that run the server in process on the tests' one clock (TestNow), not the real binary.
IN_PROCESS_TESTS := DomainTests|PublicSiteTests|ReplayTests|ContractTests|TenantMatrixTests|FilingServiceTests|FindingsServiceTests|SupervisionServiceTests|CreditServiceTests|LIMSSimulationTests|FilingStoreContractTests|SupervisionStoreContractTests|RegistryServiceTests|RegistryMoreTests|ReceiptTests|AuditVerificationTests|AuthorizationTests|StandardServicesTests|StoreContractTests|ConnectionIdentitiesTests
POSTGRES_SERVICE_TESTS := FilingCrashTests|RegistryServiceTests|RegistryMoreTests|ReceiptTests|AuditVerificationTests|AuthorizationTests|StandardServicesTests|EndToEndTests

GEN := .build/gen
CODEC_C := Sources/CProtoCodec
CODEC_SWIFT := Sources/ProtoCodec/Generated
FIX_C := Tests/Fixtures/C
FIX_SWIFT := Tests/Fixtures/Swift/Generated


.PHONY: help deps test-deps apt pydeps build generate check-generated test test-suites run demo certs bench-codec bench-store bench-filing bench-credit bench-transport bench-site soak fuzz

help:
	@echo "make run              install what is missing, build, create dev certificates, start the server"
	@echo "make demo             the same, filled with a year of simulated laboratories' activities (lims-sim)"
	@echo "make test             install what is missing, build, run every test"
	@echo "make generate         regenerate ProtoCodec from proto/ (committed; CI checks it is current)"
	@echo "make bench-codec      ProtoCodec vs raw protobuf-c, release mode"
	@echo "make bench-store      the store on SQLite and PostgreSQL with a million rows, release mode"
	@echo "make bench-filing     durable filings per second, grouped commits and not, release mode"
	@echo "make bench-credit     a year's evaluation: 10,000 agencies, a million activities, release mode"
	@echo "make bench-site       the public website under wrk with 10,000 agencies, next to static files, release mode"
	@echo "make fuzz             a long libFuzzer run over the decoder"
	@echo "make soak             the SIGKILL crash test, 100 cycles on each engine"

# apt packages, installed only when missing.
deps:
	@$(MAKE) --no-print-directory apt PACKAGES="$(APT_PACKAGES)"

test-deps:
	@$(MAKE) --no-print-directory apt PACKAGES="$(APT_PACKAGES) $(TEST_APT_PACKAGES)"

apt:
	@missing=""; for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

# Python packages for the interoperability tests, installed only when missing.
pydeps:
	@$(PYTHON) -c "import google.protobuf, google.rpc.status_pb2, grpc, grpc_tools, grpc_health, grpc_reflection, pytest, yaml, websocket" 2>/dev/null || \
	  $(PYTHON) -m pip install -q --disable-pip-version-check $(PIP_PACKAGES)

build: deps
	swift build $(SWIFT_BUILD_FLAGS)

# Everything generated from proto/: protoc-c's C, the descriptor set, ProtoCodecGen's Swift.
generate: deps
	swift build --product ProtoCodecGen
	rm -rf $(GEN) && mkdir -p $(GEN)/c $(GEN)/fixc
	protoc -Iproto -I$(PROTO_INCLUDE) --include_imports --include_source_info \
	  --descriptor_set_out=$(GEN)/descriptors.pb $(ALL_PROTOS)
	protoc -Iproto -ITests/Fixtures/proto -I$(PROTO_INCLUDE) --include_imports \
	  --descriptor_set_out=$(GEN)/fixtures.pb $(FIXTURE_PROTOS) $(ALL_PROTOS)
	protoc-c -Iproto -I$(PROTO_INCLUDE) --c_out=$(GEN)/c $(ALL_PROTOS)
	protoc-c -Iproto -ITests/Fixtures/proto -I$(PROTO_INCLUDE) --c_out=$(GEN)/fixc $(FIXTURE_PROTOS)
	rm -rf $(CODEC_C)/generated $(CODEC_C)/include/cqmon $(CODEC_C)/include/grpc $(CODEC_C)/include/google $(CODEC_SWIFT)
	rm -rf $(FIX_C) $(FIX_SWIFT) && mkdir -p $(FIX_C) $(FIX_SWIFT) $(CODEC_SWIFT)
	scripts/place-protoc-c.sh $(GEN)/c $(CODEC_C)
	scripts/place-protoc-c.sh $(GEN)/fixc $(FIX_C)
	.build/debug/ProtoCodecGen --descriptor-set $(GEN)/descriptors.pb --swift-out $(CODEC_SWIFT) \
	  --c-module CProtoCodec --modulemap $(CODEC_C)/include/module.modulemap \
	  --header pc_arena.h --header cqmon_descriptor_set.h \
	  --embed-c $(CODEC_C)/generated/descriptor_set.c --embed-symbol cqmon_descriptor_set \
	  $(ALL_PROTOS)
	.build/debug/ProtoCodecGen --descriptor-set $(GEN)/fixtures.pb --swift-out $(FIX_SWIFT) \
	  --c-module CProtoFixtures --import ProtoCodec --modulemap $(FIX_C)/include/module.modulemap \
	  $(FIXTURE_PROTOS)

# CI: the committed generated files are exactly what `make generate` writes.
GENERATED := Sources/CProtoCodec Sources/ProtoCodec/Generated Tests/Fixtures/C Tests/Fixtures/Swift/Generated
check-generated: generate
	@if ! git diff --quiet -- $(GENERATED) || [ -n "$$(git ls-files --others --exclude-standard -- $(GENERATED))" ]; then \
	  echo "generated files differ from proto/: run 'make generate' and commit"; \
	  git status --short -- $(GENERATED); exit 1; \
	fi

# Every test, with a throwaway PostgreSQL (scripts/postgres.sh) running for the whole of it and
# stopped however the tests end: the store contract runs on both engines, the service tests
# once on each.
test: test-deps pydeps
	$(MAKE) check-generated
	swift build --build-tests $(SWIFT_BUILD_FLAGS)
	scripts/postgres.sh with $(MAKE) --no-print-directory test-suites
	scripts/fuzz.sh short

test-suites:
	MONITORD_REQUIRE_POSTGRES=1 swift test --skip-build $(SWIFT_BUILD_FLAGS)
	MONITORD_TEST_STORE=postgres swift test --skip-build $(SWIFT_BUILD_FLAGS) --filter '$(POSTGRES_SERVICE_TESTS)'
	@# No time bombs: the in-process suites again, their one clock set to 2031 and to 2024.
	MONITORD_TEST_NOW=2031-06-15T04:00:00.000Z swift test --skip-build $(SWIFT_BUILD_FLAGS) --filter '$(IN_PROCESS_TESTS)'
	MONITORD_TEST_NOW=2024-02-29T16:30:00.000Z swift test --skip-build $(SWIFT_BUILD_FLAGS) --filter '$(IN_PROCESS_TESTS)'
	$(PYTHON) -m pytest -q Tests/interop
	MONITORD_DATABASE=$$(scripts/postgres.sh createdb) $(PYTHON) -m pytest -q Tests/interop/test_server_python_client.py

# Development certificates in certs/dev, made once (certs/README.md explains production).
certs: deps
	@[ -f certs/dev/ca.pem ] || certs/dev-certs.sh certs/dev
	@[ -f certs/dev/signing-key.pem ] || certs/dev-certs.sh --signing-key-only certs/dev

run: deps certs
	swift build -c release --product monitord
	swift build -c release --product monctl
	@echo
	@echo "Starting monitord on 127.0.0.1:8443 with data in ./data (Ctrl-C stops it). In another terminal:"
	@echo "  .build/release/monctl health      # as the development city officer (certs/dev/city.pem)"
	@echo "  .build/release/monctl services"
	@echo "The public website: http://127.0.0.1:8080/ (plain HTTP on loopback, as behind a reverse proxy)"
	@echo
	.build/release/monitord --listen 127.0.0.1:8443 --data-dir ./data --tls-cert certs/dev/server.pem \
	  --tls-key certs/dev/server-key.pem --client-ca certs/dev/ca.pem --ca-key certs/dev/ca-key.pem \
	  --signing-key certs/dev/signing-key.pem --public-listen 127.0.0.1:8080 --public-plain-http

# A development server filled with a year of simulated activities (scripts/demo.sh), left running.
demo: deps certs
	swift build -c release --product monitord
	swift build -c release --product monctl
	swift build -c release --product lims-sim
	scripts/demo.sh

bench-codec: deps
	swift run -c release CodecBenchmark

# The store on SQLite and on a throwaway PostgreSQL, a million rows each (about 15 minutes).
bench-store: test-deps
	swift build -c release --product StoreBenchmark
	scripts/postgres.sh with .build/release/StoreBenchmark --rows $(or $(ROWS),1000000)

bench-credit: deps
	swift build -c release --product CreditBenchmark
	.build/release/CreditBenchmark

bench-filing: test-deps
	swift build -c release --product FilingBenchmark
	POSTGRES_DURABLE=1 scripts/postgres.sh with .build/release/FilingBenchmark --seconds $(or $(SECONDS_PER_RUN),4)

# The crash test with many more SIGKILL cycles than make test runs (on SQLite, then PostgreSQL).
soak: test-deps
	swift build --build-tests $(SWIFT_BUILD_FLAGS)
	scripts/postgres.sh with bash -c 'MONITORD_CRASH_CYCLES=$(or $(CYCLES),100) swift test --skip-build --filter CrashEndToEndTests && \
	  MONITORD_TEST_STORE=postgres MONITORD_CRASH_CYCLES=$(or $(CYCLES),100) swift test --skip-build --filter CrashEndToEndTests'

bench-transport: deps
	scripts/bench-transport.sh

bench-site: deps
	@$(MAKE) --no-print-directory apt PACKAGES="wrk curl"
	scripts/bench-site.sh

fuzz: deps
	scripts/fuzz.sh long
