#!/usr/bin/env python3
"""A LIMS's first calls, written with grpcio and stubs generated from proto/ alone:

    python3 -m grpc_tools.protoc -I proto --python_out=stubs --grpc_python_out=stubs \
        $(find proto/cqmon -name '*.proto')
    PYTHONPATH=stubs python3 examples/python/lims_client.py --server 127.0.0.1:8443

It connects over mutual TLS with the agency's certificate, reads its own registry record, asks
for another agency's (refused: the error's status, reason and field come from the
`grpc-status-details-bin` trailer), and files a change of address with a `request_id`, twice:
the retry gets the first reply back, receipt and all.
"""
import argparse

import grpc
from google.rpc import error_details_pb2, status_pb2

from cqmon.v1 import registry_pb2, registry_pb2_grpc


def channel(server, ca, cert, key):
    credentials = grpc.ssl_channel_credentials(
        root_certificates=open(ca, "rb").read(),
        private_key=open(key, "rb").read(),
        certificate_chain=open(cert, "rb").read())
    return grpc.secure_channel(server, credentials)


def refusal(error):
    """The status code, the ErrorInfo reason and the fields at fault of a refused call."""
    fields, reason = [], ""
    details = dict(error.trailing_metadata() or ()).get("grpc-status-details-bin")
    if details:
        for detail in status_pb2.Status.FromString(details).details:
            info, bad = error_details_pb2.ErrorInfo(), error_details_pb2.BadRequest()
            if detail.Unpack(info):
                reason = info.reason
            elif detail.Unpack(bad):
                fields += [violation.field for violation in bad.field_violations]
    return error.code().name, reason, fields


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="127.0.0.1:8443")
    parser.add_argument("--ca", default="certs/dev/ca.pem")
    parser.add_argument("--cert", default="certs/dev/agency.pem")
    parser.add_argument("--key", default="certs/dev/agency-key.pem")
    parser.add_argument("--credit-code", default="91500000MA5U7BCX7A")
    arguments = parser.parse_args()

    with channel(arguments.server, arguments.ca, arguments.cert, arguments.key) as ch:
        registry = registry_pb2_grpc.RegistryServiceStub(ch)
        agency = registry.GetAgency(registry_pb2.GetAgencyRequest(credit_code=arguments.credit_code), timeout=10)
        print("agency", agency.credit_code, agency.name, registry_pb2.AgencyStatus.Name(agency.status).removeprefix("AGENCY_STATUS_"),
              "version", agency.registry_version)

        try:
            registry.GetAgency(registry_pb2.GetAgencyRequest(credit_code="91500100MA000001YB"), timeout=10)
        except grpc.RpcError as error:
            code, reason, fields = refusal(error)
            print("refused", code, reason, ",".join(fields) or "-")

        change = registry_pb2.FileChangeRequest(
            request_id="lims-change-2026-0001", credit_code=arguments.credit_code,
            kind=registry_pb2.CHANGE_KIND_ADDRESS, note="实验室整体搬迁")
        change.effective_on.year, change.effective_on.month, change.effective_on.day = 2026, 1, 20
        change.value.address.district_code = "500105"
        change.value.address.street = "江北区建新北路 88 号"
        first = registry.FileChange(change, timeout=10)
        again = registry.FileChange(change, timeout=10)
        print("change", first.change_id, "version", first.registry_version, "receipt", first.receipt.receipt_id,
              "retry answered with the first reply:", again == first)


if __name__ == "__main__":
    main()
