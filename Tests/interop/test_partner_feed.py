"""A partner authority we did not write: Python grpcio with stubs generated from proto/ follows
SharingService.WatchRatings over mutual TLS through a whole publication.

A year of simulated filings (lims-sim on a development clock two years back), the year
evaluated with the shipped indicator system and put to publicity (monctl, the city officer);
the server restarted on a clock 40 days ahead, so that publicity is over, and the year
published. The partner reads the feed, is cut off, resumes from its cursor; the server drains
under it and restarts; a direct E follows. Every change arrives once, in order. The bulletin's
signature is checked with openssl and the published key alone."""
import datetime
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import grpc

from conftest import ROOT, swift_bin_dir
from test_server_python_client import certs, channel  # noqa: F401  (fixture)

AGENCY = "91500100MA000001YB"


class Server:
    def __init__(self, certs, data, clock):
        self.process = subprocess.Popen(
            [str(swift_bin_dir() / "monitord"), "--listen", "127.0.0.1:0", "--data-dir", data,
             "--tls-cert", str(certs / "server.pem"), "--tls-key", str(certs / "server-key.pem"),
             "--client-ca", str(certs / "ca.pem"), "--ca-key", str(certs / "ca-key.pem"),
             "--signing-key", str(certs / "signing-key.pem"), "--metrics-listen", "off", "--log-level", "warning", *clock],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.process.stdout.readline()
        assert "listening on" in line, line
        self.port = int(line.rsplit(":", 1)[1])

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        assert self.process.wait(timeout=30) == 0, "draining must not wait for watchers"


def monctl(certs, server, identity, *arguments, check=True):
    result = subprocess.run(
        [str(swift_bin_dir() / "monctl"), *arguments, "--server", f"127.0.0.1:{server.port}", "--ca", str(certs / "ca.pem"),
         "--cert", str(certs / f"{identity}.pem"), "--key", str(certs / f"{identity}-key.pem")],
        cwd=ROOT, capture_output=True, text=True)
    if check:
        assert result.returncode == 0, f"monctl {' '.join(arguments)}: {result.stderr}"
    return result


def watch(certs, server, after, count, sharing_pb2, sharing_pb2_grpc):
    """Reads `count` changes after `after` and hangs up (the partner cut off)."""
    with channel(certs, server.port, "partner") as ch:
        stream = sharing_pb2_grpc.SharingServiceStub(ch).WatchRatings(sharing_pb2.WatchRatingsRequest(after_cursor=after), timeout=30)
        changes = []
        for change in stream:
            changes.append(change)
            if len(changes) == count:
                stream.cancel()
                break
        return changes


def test_partner_follows_the_feed_through_publication_restarts_and_a_direct_e(certs, stubs, tmp_path):  # noqa: F811
    from cqmon.v1 import audit_pb2, audit_pb2_grpc, sharing_pb2, sharing_pb2_grpc

    data = tempfile.mkdtemp(prefix="cqmon-partner-")
    started = time.monotonic()
    server = Server(certs, data, ["--dev-clock-days-ago", "730", "--dev-clock-speed", "1000000"])
    simulated = subprocess.run(
        [str(swift_bin_dir() / "lims-sim"), "--server", f"127.0.0.1:{server.port}", "--ca", str(certs / "ca.pem"),
         "--officer-cert", str(certs / "city.pem"), "--officer-key", str(certs / "city-key.pem"), "--agencies", "3", "--days", "365",
         "--per-day", "1", "--violations", "0.2", "--clock-speed", "1000000", "--work-dir", str(tmp_path / "sim")],
        cwd=ROOT, capture_output=True, text=True)
    assert simulated.returncode == 0, simulated.stderr
    # Two years at a million times: the server's clock meets real time 63 s after it started.
    time.sleep(max(0.0, 68 - (time.monotonic() - started)))

    today = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date()
    for year in (today.year, today.year + 1):
        if monctl(certs, server, "city", "credit", "calendar", "get", str(year), check=False).returncode != 0:
            calendar = tmp_path / f"calendar-{year}.yaml"
            calendar.write_text(f"calendar: {{year: {year}, source: 测试：无节假日}}\n")
            monctl(certs, server, "city", "credit", "calendar", "put", "-f", str(calendar))
    monctl(certs, server, "city", "credit", "indicators", "put", "-f", "config/credit-indicators.yaml")
    evaluated = monctl(certs, server, "city", "credit", "evaluate", "--year", str(today.year - 1), "-o", "json").stdout
    evaluation = evaluated.split('"evaluationId": "', 1)[1].split('"', 1)[0]
    rated = evaluated.count('"rank": ')
    assert rated == 3, evaluated
    for days in range(1, 20):
        day = today + datetime.timedelta(days=days)
        result = monctl(certs, server, "city", "credit", "publicity", "start", evaluation, "--on", day.isoformat(), check=False)
        if result.returncode == 0:
            break
        assert "NOT_A_WORKING_DAY" in result.stderr, result.stderr
    else:
        raise AssertionError("no working day in the next three weeks")
    server.stop()

    # Forty days on, publicity (15 working days) is over.
    ahead = ["--dev-clock-days-ago=-40"]
    server = Server(certs, data, ahead)
    monctl(certs, server, "city", "credit", "publish", evaluation)

    first = watch(certs, server, 0, 2, sharing_pb2, sharing_pb2_grpc)
    assert [c.cursor for c in first] == [1, 2]
    rest = watch(certs, server, first[-1].cursor, 1, sharing_pb2, sharing_pb2_grpc)
    assert [c.cursor for c in rest] == [3]
    seen = first + rest
    assert all(c.kind == sharing_pb2.RATING_CHANGE_KIND_PUBLISHED for c in seen)
    assert sorted(c.rating.credit_code for c in seen) == sorted({c.rating.credit_code for c in seen})

    # The server drains with a watcher open: the call ends cleanly, and the partner resumes
    # from its cursor on the restarted server.
    with channel(certs, server.port, "partner") as ch:
        stream = sharing_pb2_grpc.SharingServiceStub(ch).WatchRatings(
            sharing_pb2.WatchRatingsRequest(after_cursor=seen[-1].cursor - 1), timeout=30)
        assert next(stream).cursor == seen[-1].cursor  # the watch is under way, waiting for more
        server.stop()
        assert list(stream) == []
    server = Server(certs, data, ahead)
    digest = monctl(certs, server, "city", "documents", "upload", "examples/documents/monitoring-report.txt", "-o", "json").stdout
    sha256 = digest.split('"sha256": "', 1)[1].split('"', 1)[0]
    monctl(certs, server, "city", "credit", "trigger-e", "--agency", AGENCY, "--art16-case", "4",
           "--decided-on", (today + datetime.timedelta(days=40)).isoformat(), "--description", "监测数据弄虚作假", "--evidence", sha256)
    after = watch(certs, server, seen[-1].cursor, 2, sharing_pb2, sharing_pb2_grpc)
    assert [c.cursor for c in after] == [4, 5]
    assert [c.kind for c in after] == [sharing_pb2.RATING_CHANGE_KIND_REVOKED, sharing_pb2.RATING_CHANGE_KIND_DIRECT_E]
    assert all(c.rating.credit_code == AGENCY for c in after)

    # The bulletin, checked with openssl and the bureau's published key, nothing else.
    with channel(certs, server.port, "partner") as ch:
        bulletin = sharing_pb2_grpc.SharingServiceStub(ch).GetBulletin(sharing_pb2.GetBulletinRequest(year=today.year - 1), timeout=10)
        keys = audit_pb2_grpc.AuditServiceStub(ch).GetSigningKeys(audit_pb2.GetSigningKeysRequest(), timeout=10)
    key = next(k for k in keys.keys if k.key_id == bulletin.key_id)
    (tmp_path / "key.pem").write_text(key.public_key_pem)
    (tmp_path / "content.json").write_bytes(bulletin.content)
    (tmp_path / "signature").write_bytes(bulletin.signature)
    verified = subprocess.run(
        ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", str(tmp_path / "key.pem"), "-rawin", "-in", str(tmp_path / "content.json"),
         "-sigfile", str(tmp_path / "signature")], capture_output=True, text=True)
    assert verified.returncode == 0 and "Signature Verified Successfully" in verified.stdout, verified.stdout + verified.stderr
    (tmp_path / "content.json").write_bytes(bulletin.content.replace(b'"level":"', b'"level":"A', 1))
    forged = subprocess.run(
        ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", str(tmp_path / "key.pem"), "-rawin", "-in", str(tmp_path / "content.json"),
         "-sigfile", str(tmp_path / "signature")], capture_output=True, text=True)
    assert forged.returncode != 0
    server.stop()
