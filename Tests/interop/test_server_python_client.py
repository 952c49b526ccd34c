"""A client we did not write: Python grpcio (with grpcio-health-checking and grpcio-reflection)
against the real monitord over mutual TLS. It checks health, lists the services through
reflection, and calls methods built only from reflected descriptors."""
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import grpc
import pytest
from google.protobuf import descriptor_pool
from google.protobuf.message_factory import GetMessageClass
from google.rpc import error_details_pb2, status_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

from conftest import ROOT, swift_bin_dir


@pytest.fixture(scope="module")
def certs():
    directory = Path(tempfile.mkdtemp(prefix="cqmon-py-certs-"))
    subprocess.run([str(ROOT / "Tests/ServiceTests/make-test-certs.sh"), str(directory)], check=True)
    return directory


@pytest.fixture(scope="module")
def server(certs):
    data = tempfile.mkdtemp(prefix="cqmon-py-data-")
    process = subprocess.Popen(
        [str(swift_bin_dir() / "monitord"), "--listen", "127.0.0.1:0", "--data-dir", data,
         "--tls-cert", str(certs / "server.pem"), "--tls-key", str(certs / "server-key.pem"),
         "--client-ca", str(certs / "ca.pem"), "--ca-key", str(certs / "ca-key.pem"), "--signing-key", str(certs / "signing-key.pem"),
         "--metrics-listen", "off", "--log-level", "warning"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = process.stdout.readline()
    assert "listening on" in line, line
    port = int(line.rsplit(":", 1)[1])
    yield port
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0


def channel(certs, port, identity="city"):
    credentials = grpc.ssl_channel_credentials(
        root_certificates=(certs / "ca.pem").read_bytes(),
        private_key=(certs / f"{identity}-key.pem").read_bytes(),
        certificate_chain=(certs / f"{identity}.pem").read_bytes())
    return grpc.secure_channel(f"localhost:{port}", credentials)


def wait_serving(stub):
    for _ in range(100):
        if stub.Check(health_pb2.HealthCheckRequest(), timeout=5).status == health_pb2.HealthCheckResponse.SERVING:
            return
        time.sleep(0.1)
    raise AssertionError("the server never became SERVING")


def test_health(certs, server):
    with channel(certs, server) as ch:
        stub = health_pb2_grpc.HealthStub(ch)
        wait_serving(stub)
        assert stub.Check(health_pb2.HealthCheckRequest(service="grpc.health.v1.Health")).status == \
            health_pb2.HealthCheckResponse.SERVING
        with pytest.raises(grpc.RpcError) as failure:
            stub.Check(health_pb2.HealthCheckRequest(service="no.such.Service"))
        assert failure.value.code() == grpc.StatusCode.NOT_FOUND


def test_reflection_lists_services_and_builds_callable_methods(certs, server):
    with channel(certs, server, "partner") as ch:
        wait_serving(health_pb2_grpc.HealthStub(ch))
        database = ProtoReflectionDescriptorDatabase(ch)
        services = database.get_services()
        assert "grpc.health.v1.Health" in services
        assert "grpc.reflection.v1.ServerReflection" in services

        pool = descriptor_pool.DescriptorPool(database)
        check = pool.FindServiceByName("grpc.health.v1.Health").FindMethodByName("Check")
        request_class = GetMessageClass(check.input_type)
        response_class = GetMessageClass(check.output_type)
        call = ch.unary_unary("/grpc.health.v1.Health/Check",
                              request_serializer=request_class.SerializeToString,
                              response_deserializer=response_class.FromString)
        assert call(request_class(service="")).status == 1  # SERVING

        # The whole API is described, implemented or not yet: a vendor can build its stubs from it.
        registry = pool.FindServiceByName("cqmon.v1.RegistryService")
        assert "SubmitApplication" in [m.name for m in registry.methods]
        field = pool.FindMessageTypeByName("cqmon.v1.StaffMember").fields_by_name["person"]
        assert field.message_type.full_name == "cqmon.v1.Person"


def test_refusals_carry_rich_status(certs, server):
    with channel(certs, server, "agency") as ch:
        pool = descriptor_pool.DescriptorPool(ProtoReflectionDescriptorDatabase(ch))
        enroll = pool.FindServiceByName("cqmon.v1.RegistryService").FindMethodByName("EnrollAgency")
        request_class = GetMessageClass(enroll.input_type)
        call = ch.unary_unary("/cqmon.v1.RegistryService/EnrollAgency",
                              request_serializer=request_class.SerializeToString,
                              response_deserializer=lambda b: b)
        with pytest.raises(grpc.RpcError) as failure:
            call(request_class(credit_code="91500000MA5U7BCX7A"))
        assert failure.value.code() == grpc.StatusCode.PERMISSION_DENIED

    with channel(certs, server, "city") as ch:
        raw = ch.unary_unary("/grpc.health.v1.Health/Check",
                             request_serializer=lambda b: b, response_deserializer=lambda b: b)
        with pytest.raises(grpc.RpcError) as failure:
            raw(b"\x0a\x03ab\x00")  # `service` holding a NUL
        assert failure.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        details = dict(failure.value.trailing_metadata())["grpc-status-details-bin"]
        status = status_pb2.Status.FromString(details)
        assert status.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
        bad_request = error_details_pb2.BadRequest()
        info = error_details_pb2.ErrorInfo()
        for detail in status.details:
            if detail.Is(bad_request.DESCRIPTOR):
                detail.Unpack(bad_request)
            if detail.Is(info.DESCRIPTOR):
                detail.Unpack(info)
        assert bad_request.field_violations[0].field == "service"
        assert info.reason == "DECODING_NUL_IN_STRING"
        assert info.domain == "cqmon.v1"


def test_registry_enrol_apply_review_get(certs, server, stubs):
    """The whole registry path from stubs generated from proto/ by stock grpcio-tools."""
    import hashlib
    import yaml
    from cqmon.v1 import document_pb2, document_pb2_grpc, registry_pb2, registry_pb2_grpc

    csr = subprocess.run(["openssl", "req", "-new", "-key", str(certs / "agency-key.pem"), "-subj", "/CN=lims"],
                         check=True, capture_output=True, text=True).stdout
    with channel(certs, server, "city") as ch:
        wait_serving(health_pb2_grpc.HealthStub(ch))
        enrolled = registry_pb2_grpc.RegistryServiceStub(ch).EnrollAgency(registry_pb2.EnrollAgencyRequest(
            request_id="py-enrol", credit_code="91500000MA5U7BCX7A", name="重庆某某检测技术有限公司", csr_pem=csr))
        assert enrolled.certificate_pem.startswith("-----BEGIN CERTIFICATE-----")
        assert enrolled.receipt.audit_sequence >= 1

    with channel(certs, server, "agency") as ch:
        documents = document_pb2_grpc.DocumentServiceStub(ch)
        for name in ["commitment-letter", "business-licence", "cma-certificate"]:
            data = (ROOT / "examples/documents" / f"{name}.txt").read_bytes()
            parts = [document_pb2.UploadRequest(metadata=document_pb2.UploadMetadata(
                request_id=f"py-{name}", file_name=f"{name}.txt", media_type="text/plain", size_bytes=len(data),
                sha256=hashlib.sha256(data).hexdigest()))]
            parts += [document_pb2.UploadRequest(chunk=data[i:i + 50]) for i in range(0, len(data), 50)]
            assert documents.Upload(iter(parts)).sha256 == hashlib.sha256(data).hexdigest()

        # The example file, read with PyYAML and built into the generated message by field name.
        example = dated(yaml.safe_load((ROOT / "examples/application.yaml").read_text()))
        request = registry_pb2.SubmitApplicationRequest(request_id="py-apply", credit_code=example["credit_code"])
        fill(request.materials, example["materials"])
        application = registry_pb2_grpc.RegistryServiceStub(ch).SubmitApplication(request)
        assert application.status == registry_pb2.APPLICATION_STATUS_PENDING

        with pytest.raises(grpc.RpcError) as failure:
            registry_pb2_grpc.RegistryServiceStub(ch).ReviewApplication(registry_pb2.ReviewApplicationRequest(
                request_id="py-self-review", application_id=application.application_id,
                decision=registry_pb2.REVIEW_DECISION_APPROVE))
        assert failure.value.code() == grpc.StatusCode.PERMISSION_DENIED

    with channel(certs, server, "city") as ch:
        registry = registry_pb2_grpc.RegistryServiceStub(ch)
        reviewed = registry.ReviewApplication(registry_pb2.ReviewApplicationRequest(
            request_id="py-review", application_id=application.application_id,
            decision=registry_pb2.REVIEW_DECISION_APPROVE))
        assert reviewed.status == registry_pb2.APPLICATION_STATUS_APPROVED
        agency = registry.GetAgency(registry_pb2.GetAgencyRequest(credit_code="91500000MA5U7BCX7A"))
        assert agency.status == registry_pb2.AGENCY_STATUS_LISTED
        assert agency.registry_version == 1
        assert agency.record.key_personnel.technical_lead.id_number == "120103198806018241"


def dated(values, written=None):
    """The example's dates moved as far from today as the committed file has them from the day
    it was written, so it never expires under the test."""
    import datetime
    shift = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date() - datetime.date(2025, 11, 30)
    if isinstance(values, dict):
        return {key: dated(value) for key, value in values.items()}
    if isinstance(values, list):
        return [dated(value) for value in values]
    if isinstance(values, datetime.date):
        return values + shift
    return values


def test_lims_streams_a_backlog_with_a_bad_activity_in_the_middle(certs, server, stubs):
    """A LIMS written with grpcio pushes three activities on one FileActivities stream: one
    result each, in order; the bad one (a district that is not Chongqing's) gets its own error
    with the field at fault, and the stream goes on."""
    import datetime
    import hashlib
    import yaml
    from cqmon.v1 import document_pb2, document_pb2_grpc, filing_pb2, filing_pb2_grpc, registry_pb2, registry_pb2_grpc

    with channel(certs, server, "city") as ch:
        agency = registry_pb2_grpc.RegistryServiceStub(ch).GetAgency(registry_pb2.GetAgencyRequest(credit_code="91500000MA5U7BCX7A"))
    assert agency.status == registry_pb2.AGENCY_STATUS_LISTED, "listed by test_registry_enrol_apply_review_get"
    listed = agency.listed_at.ToDatetime(tzinfo=datetime.timezone.utc)
    report = (ROOT / "examples/documents/monitoring-report.txt").read_bytes()
    example = yaml.safe_load((ROOT / "examples/activity.yaml").read_text())

    def request(number, district="500103"):
        message = filing_pb2.FileActivityRequest(request_id=f"py-stream-{number}", credit_code="91500000MA5U7BCX7A")
        fill(message.activity, example["activity"])
        # Sampled a second after the listing, analysed in the two seconds after, reported that day.
        for event in message.activity.sampling_events:
            event.started_at.FromDatetime(listed + datetime.timedelta(seconds=1))
            event.ended_at.FromDatetime(listed + datetime.timedelta(seconds=2))
            event.district_code = district
        for analysis in message.activity.analyses:
            analysis.started_at.FromDatetime(listed + datetime.timedelta(seconds=3))
            analysis.ended_at.FromDatetime(listed + datetime.timedelta(seconds=4))
        day = (listed + datetime.timedelta(seconds=4, hours=8)).date()
        issued = message.activity.report.issued_on
        issued.year, issued.month, issued.day = day.year, day.month, day.day
        message.activity.report.report_number = f"PY-{number}"
        return message

    with channel(certs, server, "agency") as ch:
        documents = document_pb2_grpc.DocumentServiceStub(ch)
        uploaded = documents.Upload(iter([
            document_pb2.UploadRequest(metadata=document_pb2.UploadMetadata(
                request_id="py-report", file_name="monitoring-report.txt", media_type="text/plain")),
            document_pb2.UploadRequest(chunk=report)]))
        assert uploaded.sha256 == hashlib.sha256(report).hexdigest() == example["activity"]["report"]["document"]["sha256"]
        backlog = [request(1), request(2, district="110105"), request(3)]
        results = list(filing_pb2_grpc.FilingServiceStub(ch).FileActivities(iter(backlog), timeout=30))
    assert [r.request_id for r in results] == ["py-stream-1", "py-stream-2", "py-stream-3"]
    assert [r.index for r in results] == [0, 1, 2]
    assert [r.WhichOneof("outcome") for r in results] == ["activity", "error", "activity"]
    assert results[0].activity.content.report.report_number == "PY-1" and results[0].activity.receipt.signature_algorithm == "ed25519"
    assert results[1].error.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    from google.rpc import error_details_pb2
    violations = [d for d in results[1].error.details if d.Is(error_details_pb2.BadRequest.DESCRIPTOR)]
    bad_request = error_details_pb2.BadRequest()
    violations[0].Unpack(bad_request)
    assert [v.field for v in bad_request.field_violations] == ["activity.sampling_events[0].district_code"]


def fill(message, values):
    """Sets a generated message's fields from a YAML mapping: dates as YYYY-MM-DD, enums by
    name without their prefix, as examples/application.yaml writes them."""
    import datetime
    for key, value in values.items():
        field = message.DESCRIPTOR.fields_by_name[key]
        repeated = field.is_repeated if hasattr(field, "is_repeated") else field.label == field.LABEL_REPEATED
        if repeated:
            for item in value:
                if field.message_type:
                    fill(getattr(message, key).add(), item)
                elif field.enum_type:
                    getattr(message, key).append(enum_value(field.enum_type, item))
                else:
                    getattr(message, key).append(item)
        elif field.message_type and field.message_type.full_name == "google.protobuf.Timestamp":
            instant = value if isinstance(value, datetime.datetime) else datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
            getattr(message, key).FromDatetime(instant.astimezone(datetime.timezone.utc).replace(tzinfo=None))
        elif field.message_type and field.message_type.full_name == "cqmon.v1.Date":
            date = value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)
            target = getattr(message, key)
            target.year, target.month, target.day = date.year, date.month, date.day
        elif field.message_type:
            fill(getattr(message, key), value)
        elif field.enum_type:
            setattr(message, key, enum_value(field.enum_type, value))
        else:
            setattr(message, key, str(value) if field.type == field.TYPE_STRING else value)


def enum_value(enum_type, name):
    for value in enum_type.values:
        if value.name == name or value.name.endswith("_" + name):
            return value.number
    raise KeyError(name)


def signed_text(receipt):
    """The signed bytes, rebuilt from the reply alone as common.proto's Receipt comment says."""
    import datetime
    instant = datetime.datetime.fromtimestamp(receipt.received_at.seconds, tz=datetime.timezone.utc)
    received = instant.strftime("%Y-%m-%dT%H:%M:%S") + f".{receipt.received_at.nanos // 1_000_000:03d}Z"
    return "|".join([receipt.receipt_id, received, receipt.request_sha256, receipt.record_sha256,
                     str(receipt.audit_sequence), receipt.audit_hash, str(receipt.leaf_index)]).encode()


def test_every_receipt_verifies_with_openssl(certs, server, stubs):
    verified_receipts(certs, server, "py-receipt")


def verified_receipts(certs, server, prefix):
    """Every receipt a client gets, checked with openssl and the bureau key published by
    GetSigningKeys only: uploads as they are acknowledged, and the same receipts read back again."""
    from cqmon.v1 import audit_pb2, audit_pb2_grpc, document_pb2, document_pb2_grpc

    directory = Path(tempfile.mkdtemp(prefix="cqmon-py-key-"))
    with channel(certs, server, "partner") as ch:
        published = audit_pb2_grpc.AuditServiceStub(ch).GetSigningKeys(audit_pb2.GetSigningKeysRequest()).keys
    keys = {}
    for index, published_key in enumerate(published):
        keys[published_key.key_id] = directory / f"key-{index}.pem"
        keys[published_key.key_id].write_text(published_key.public_key_pem)
    receipts = []
    with channel(certs, server, "agency") as ch:
        documents = document_pb2_grpc.DocumentServiceStub(ch)
        for index in range(40):
            data = f"{prefix} test document {index}".encode()
            uploaded = documents.Upload(iter([
                document_pb2.UploadRequest(metadata=document_pb2.UploadMetadata(
                    request_id=f"{prefix}-{index}", file_name=f"{index}.txt", media_type="text/plain")),
                document_pb2.UploadRequest(chunk=data)]))
            receipts.append(uploaded.receipt)
            receipts.append(documents.GetDocument(document_pb2.GetDocumentRequest(sha256=uploaded.sha256)).receipt)
    for receipt in receipts:
        assert receipt.signature_algorithm == "ed25519"
        assert receipt.leaf_index == receipt.audit_sequence - 1
        signature = directory / "signature.bin"
        signature.write_bytes(receipt.signature)
        text = directory / "signed.txt"
        text.write_bytes(signed_text(receipt))
        checked = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", str(keys[receipt.key_id]), "-rawin",
                                  "-in", str(text), "-sigfile", str(signature)], capture_output=True, text=True)
        assert checked.returncode == 0, (receipt.receipt_id, text.read_text(), checked.stdout, checked.stderr)
    return receipts


def rfc9162_root_from_inclusion(leaf_hash, index, size, path):
    """RFC 9162 §2.1.3.2, written here from the RFC: the root an inclusion proof leads to."""
    import hashlib
    fn, sn, r = index, size - 1, leaf_hash
    for p in path:
        assert sn != 0
        if fn & 1 or fn == sn:
            r = hashlib.sha256(b"\x01" + p + r).digest()
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = hashlib.sha256(b"\x01" + r + p).digest()
        fn >>= 1
        sn >>= 1
    assert sn == 0
    return r


def test_receipts_are_in_the_log_by_a_verifier_of_our_own_in_python(certs, server, stubs):
    """An agency proves its receipts against a signed checkpoint, with hashlib and openssl."""
    import base64
    import hashlib
    from cqmon.v1 import audit_pb2, audit_pb2_grpc

    receipts = verified_receipts(certs, server, "py-proof")
    with channel(certs, server, "agency") as ch:
        audit = audit_pb2_grpc.AuditServiceStub(ch)
        newest = max(r.leaf_index for r in receipts)
        for _ in range(50):
            checkpoint = audit.GetCheckpoint(audit_pb2.GetCheckpointRequest())
            if checkpoint.tree_size > newest:
                break
            time.sleep(0.1)
        body, signatures = checkpoint.note.split("\n\n", 1)
        origin, size, root = body.split("\n")
        assert int(size) == checkpoint.tree_size and base64.b64decode(root) == checkpoint.root_hash
        keys = audit.GetSigningKeys(audit_pb2.GetSigningKeysRequest()).keys
        signature = base64.b64decode(signatures.split(" ")[2])
        directory = Path(tempfile.mkdtemp(prefix="cqmon-py-note-"))
        (directory / "key.pem").write_text(keys[0].public_key_pem)
        (directory / "body").write_bytes((body + "\n").encode())
        (directory / "sig").write_bytes(signature[4:])
        checked = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", str(directory / "key.pem"), "-rawin",
                                  "-in", str(directory / "body"), "-sigfile", str(directory / "sig")], capture_output=True)
        assert checked.returncode == 0, checked
        for receipt in receipts[::7]:
            proof = audit.GetInclusionProof(audit_pb2.GetInclusionProofRequest(
                leaf_index=receipt.leaf_index, tree_size=checkpoint.tree_size, audit_hash=receipt.audit_hash))
            assert hashlib.sha256(proof.entry).hexdigest() == receipt.audit_hash
            leaf = hashlib.sha256(b"\x00" + proof.entry).digest()
            assert rfc9162_root_from_inclusion(leaf, receipt.leaf_index, checkpoint.tree_size, list(proof.hashes)) == checkpoint.root_hash


def wait_checkpoint(audit, size):
    from cqmon.v1 import audit_pb2
    for _ in range(50):
        checkpoint = audit.GetCheckpoint(audit_pb2.GetCheckpointRequest())
        if checkpoint.tree_size >= size:
            return checkpoint
        time.sleep(0.1)
    raise AssertionError(f"no checkpoint covers {size} leaves")


def go_tlogcheck(document):
    """Runs Tests/interop/tlogcheck (Go's sumdb/note and sumdb/tlog) on the JSON document."""
    import json
    cache = Path(tempfile.gettempdir()) / "cqmon-gocache"
    environment = dict(os.environ, GO111MODULE="off", GOPATH="/usr/share/gocode", GOCACHE=str(cache), GOFLAGS="")
    return subprocess.run(["go", "run", str(ROOT / "Tests/interop/tlogcheck/tlogcheck.go")], input=json.dumps(document),
                          capture_output=True, text=True, env=environment)


def test_proofs_verify_with_go_sumdb(certs, server, stubs):
    """Checkpoints, inclusion and consistency proofs, checked by Go's golang.org/x/mod/sumdb:
    an implementation neither we nor the server's authors wrote."""
    import base64
    from cqmon.v1 import audit_pb2, audit_pb2_grpc

    early = verified_receipts(certs, server, "py-go-early")
    with channel(certs, server, "partner") as ch:
        audit = audit_pb2_grpc.AuditServiceStub(ch)
        old = wait_checkpoint(audit, max(r.leaf_index for r in early) + 1)
        key = audit.GetSigningKeys(audit_pb2.GetSigningKeysRequest()).keys[0]
    late = verified_receipts(certs, server, "py-go-late")
    with channel(certs, server, "agency") as ch:
        audit = audit_pb2_grpc.AuditServiceStub(ch)
        new = wait_checkpoint(audit, max(r.leaf_index for r in late) + 1)
        leaves = []
        for receipt in (early + late)[::5]:
            proof = audit.GetInclusionProof(audit_pb2.GetInclusionProofRequest(
                leaf_index=receipt.leaf_index, tree_size=new.tree_size, audit_hash=receipt.audit_hash))
            leaves.append({"index": receipt.leaf_index, "entry": base64.b64encode(proof.entry).decode(),
                           "proof": [base64.b64encode(h).decode() for h in proof.hashes]})
        consistency = audit.GetConsistencyProof(audit_pb2.GetConsistencyProofRequest(
            first_tree_size=old.tree_size, second_tree_size=new.tree_size))
    assert old.tree_size < new.tree_size
    document = {"verifier_key": key.verifier_key, "checkpoint": new.note, "old_checkpoint": old.note,
                "consistency": [base64.b64encode(h).decode() for h in consistency.hashes], "leaves": leaves}
    checked = go_tlogcheck(document)
    assert checked.returncode == 0 and checked.stdout.strip() == "ok", (checked.stdout, checked.stderr)

    # And Go refuses what is wrong: a proof hash altered, a checkpoint altered.
    forged = dict(document, leaves=[dict(leaves[0], proof=[base64.b64encode(bytes(32)).decode()] + leaves[0]["proof"][1:])])
    assert go_tlogcheck(forged).returncode == 1
    altered = dict(document, old_checkpoint=old.note.replace(f"\n{old.tree_size}\n", f"\n{old.tree_size - 1}\n"))
    assert go_tlogcheck(altered).returncode == 1
