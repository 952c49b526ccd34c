"""Malformed and random bytes to every method of the API, over the real wire, as every kind of
principal, from a client we did not write (grpcio with raw bytes, no stubs). Every call must end
with a clean status (never INTERNAL or UNKNOWN, never a dropped connection) and the server must
still serve afterwards. Deterministic: the same seed every run."""
import random

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from google.protobuf import descriptor_pool
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

from test_server_python_client import certs, server, channel, wait_serving  # noqa: F401  (fixtures)

IDENTITIES = ["city", "district", "agency", "partner"]
CLEAN = {
    grpc.StatusCode.OK, grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.PERMISSION_DENIED,
    grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.NOT_FOUND, grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.ALREADY_EXISTS, grpc.StatusCode.UNIMPLEMENTED, grpc.StatusCode.RESOURCE_EXHAUSTED,
    grpc.StatusCode.OUT_OF_RANGE,
}
# WatchRatings with a valid cursor streams until the client's deadline.
WAITING = {grpc.StatusCode.DEADLINE_EXCEEDED}


def payloads(rng):
    """Crafted shapes first, then random bytes of assorted lengths."""
    yield b""
    yield b"\x08"                                   # a tag with no value
    yield b"\x0a\xff\xff\xff\xff\x0f"               # a length far past the end
    yield b"\x0a\x03ab"                             # a string cut short
    yield b"\x0a\x02a\x00"                          # NUL inside a string
    yield b"\x0a\x02\xc3\x28"                       # invalid UTF-8
    yield b"\x0b\x0c"                               # groups
    yield b"\x00\x01"                               # field number 0
    yield b"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01"  # an 11-byte varint
    yield b"\x52" + b"\x0a" * 200                   # a deep nesting attempt
    yield b"\x08\x01\x11" + bytes(8) + b"\x1a\x02ab\x25" + bytes(4)  # every wire type, unknown fields
    for length in (1, 2, 3, 5, 8, 13, 64, 300):
        yield bytes(rng.getrandbits(8) for _ in range(length))


def methods(ch):
    database = ProtoReflectionDescriptorDatabase(ch)
    pool = descriptor_pool.DescriptorPool(database)
    for name in database.get_services():
        service = pool.FindServiceByName(name)
        for method in service.methods:
            yield name, method


def call(ch, service, method, payload):
    path = f"/{service}/{method.name}"
    try:
        if method.client_streaming and method.server_streaming:
            list(ch.stream_stream(path)(iter([payload]), timeout=10))
        elif method.client_streaming:
            ch.stream_unary(path)(iter([payload]), timeout=10)
        elif method.server_streaming:
            if service == "grpc.health.v1.Health":  # Watch streams until the server stops
                return grpc.StatusCode.OK
            if method.name == "WatchRatings":  # a valid cursor waits for changes: a short deadline
                list(ch.unary_stream(path)(payload, timeout=1))
                return grpc.StatusCode.OK
            list(ch.unary_stream(path)(payload, timeout=10))
        else:
            ch.unary_unary(path)(payload, timeout=10)
        return grpc.StatusCode.OK
    except grpc.RpcError as error:
        return error.code(), error.details()


def test_hostile_bytes_to_every_method(certs, server):  # noqa: F811
    rng = random.Random(20261129)
    failures = []
    calls = 0
    for identity in IDENTITIES:
        with channel(certs, server, identity) as ch:
            wait_serving(health_pb2_grpc.HealthStub(ch))
            for service, method in methods(ch):
                for payload in payloads(rng):
                    outcome = call(ch, service, method, payload)
                    code = outcome if isinstance(outcome, grpc.StatusCode) else outcome[0]
                    calls += 1
                    if code not in CLEAN and not (method.name == "WatchRatings" and code in WAITING):
                        failures.append((identity, f"{service}/{method.name}", payload[:16].hex(), outcome))
    assert calls > 1000
    assert not failures, failures[:10]
    with channel(certs, server, "city") as ch:
        assert health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=5).status == \
            health_pb2.HealthCheckResponse.SERVING
