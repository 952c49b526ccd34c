"""The health and reflection protos restated in proto/ match, field for field, the
descriptors that Google's own packages ship (grpcio-health-checking, grpcio-reflection), so
stock clients work unchanged against the server."""
import importlib

import pytest
from google.protobuf import descriptor_pb2

from conftest import descriptor_set


def shape(proto, package=None):
    """What the wire and stock clients depend on: names, numbers, types, methods."""
    def message(m):
        return (m.name, sorted((f.name, f.number, f.type, f.label, f.type_name.lstrip("."),
                                f.oneof_index if f.HasField("oneof_index") else None)
                               for f in m.field),
                sorted(message(n) for n in m.nested_type),
                sorted((e.name, [(v.name, v.number) for v in e.value]) for e in m.enum_type))

    text = repr((proto.package,
                 sorted(message(m) for m in proto.message_type),
                 sorted((s.name, sorted((m.name, m.input_type, m.output_type, m.client_streaming,
                                         m.server_streaming) for m in s.method))
                        for s in proto.service)))
    return text.replace(proto.package, package) if package else text


def ours(name):
    return next(f for f in descriptor_set(name).file if f.name == name)


def upstream(module):
    proto = descriptor_pb2.FileDescriptorProto()
    importlib.import_module(module).DESCRIPTOR.CopyToProto(proto)
    return proto


def test_health_matches_grpcio_health_checking():
    assert shape(ours("grpc/health/v1/health.proto")) == shape(upstream("grpc_health.v1.health_pb2"))


@pytest.mark.parametrize("name", ["grpc/reflection/v1/reflection.proto",
                                  "grpc/reflection/v1alpha/reflection.proto"])
def test_reflection_matches_grpcio_reflection(name):
    # grpcio-reflection ships v1alpha; v1 is the same protocol in another package.
    mine = ours(name)
    assert shape(mine, "grpc.reflection.X") == shape(upstream("grpc_reflection.v1alpha.reflection_pb2"),
                                                     "grpc.reflection.X")
