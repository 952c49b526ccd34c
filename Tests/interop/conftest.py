"""Shared helpers for the interoperability tests: Python stubs generated from proto/ at test
time with grpcio-tools (stock protoc), never committed."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def swift_bin_dir() -> Path:
    out = subprocess.run(["swift", "build", "--show-bin-path"], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout.strip()
    return Path(out)


@pytest.fixture(scope="session")
def stubs(tmp_path_factory):
    """Generates *_pb2.py (and *_pb2_grpc.py) for proto/cqmon and the test fixtures, and puts
    them on sys.path."""
    out = tmp_path_factory.mktemp("stubs")
    from grpc_tools import protoc
    import grpc_tools

    well_known = Path(grpc_tools.__file__).parent / "_proto"
    # Only our own package: stubs for grpc/ would shadow the grpcio package, and google.rpc
    # comes from googleapis-common-protos (the same wire format).
    protos = sorted(str(p.relative_to(ROOT / "proto")) for p in (ROOT / "proto/cqmon").rglob("*.proto"))
    fixtures = ["cqmon/testing/shapes.proto"]
    for includes, files in (([ROOT / "proto"], protos), ([ROOT / "Tests/Fixtures/proto"], fixtures)):
        args = ["protoc", *[f"-I{p}" for p in includes], f"-I{ROOT / 'proto'}", f"-I{well_known}",
                f"--python_out={out}", f"--grpc_python_out={out}", *files]
        assert protoc.main(args) == 0, f"protoc failed for {files}"
    sys.path.insert(0, str(out))
    return out


def descriptor_set(*files, includes=("proto",)):
    """A FileDescriptorSet of `files` (as named under the include paths), made by protoc."""
    import tempfile
    from google.protobuf import descriptor_pb2

    with tempfile.NamedTemporaryFile(suffix=".pb") as out:
        subprocess.run(["protoc", *[f"-I{ROOT / i}" for i in includes], "-I/usr/include",
                        "--include_source_info", f"--descriptor_set_out={out.name}", *files],
                       check=True)
        fds = descriptor_pb2.FileDescriptorSet()
        fds.ParseFromString(Path(out.name).read_bytes())
    return fds
