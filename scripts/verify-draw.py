#!/usr/bin/env python3
"""Re-runs an inspection plan's draw (cqmon-draw-v1) from the plan alone, with nothing of ours.

    monctl inspections get-plan plan-000001 -o json > plan.json
    scripts/verify-draw.py plan.json

The algorithm, as docs/officers.md ("The random draw") states it, written again from that text in
Python's standard library: anyone can check a plan without trusting the server or monctl.
Prints each check; exits 1 if any fails.
"""
import base64
import hashlib
import hmac
import json
import sys

STRATA = ["A", "B", "C", "D", "E", "UNRATED", "COMPLAINT"]
ROUNDS_UP = {"A": False, "B": False, "C": False, "D": True, "E": True, "UNRATED": True, "COMPLAINT": True}


def day(value):
    return "%04d-%02d-%02d" % (value.get("year", 0), value.get("month", 0), value.get("day", 0))


def level(candidate):
    name = candidate.get("level", "CREDIT_LEVEL_UNSPECIFIED")
    return None if name.endswith("UNSPECIFIED") else name.rsplit("_", 1)[-1]


def stratum(code_level, complaint):
    if code_level in ("D", "E"):
        return code_level
    if complaint:
        return "COMPLAINT"
    return code_level or "UNRATED"


def main(path):
    plan = json.load(open(path, encoding="utf-8"))
    seed = base64.b64decode(plan["seed"])
    checks = []
    commitment = plan.get("commitment", {})
    checks.append(("seed matches the commitment", hashlib.sha256(seed).hexdigest() == commitment.get("seedSha256")))
    committed = int(commitment.get("receipt", {}).get("leafIndex", -1))
    drawn_at = int(plan.get("receipt", {}).get("leafIndex", -1))
    checks.append(("commitment logged before the plan", 0 <= committed < drawn_at))

    shares = {s["stratum"]: int(s.get("shareBasisPoints", 0)) for s in plan.get("strata", [])}
    candidates = sorted(
        ((c["creditCode"], level(c), bool(c.get("verifiedComplaint", False))) for c in plan.get("candidates", [])),
        key=lambda c: c[0])
    pool = sorted(((i["inspectorId"], sorted(i.get("conflicts", []))) for i in plan.get("inspectors", [])), key=lambda i: i[0])
    lines = ["cqmon-draw-v1", "seed " + seed.hex(), "period %s %s" % (day(plan["period"]["start"]), day(plan["period"]["end"])),
             "district " + (plan.get("districtCode") or "city")]
    lines += ["share %s %d" % (name, shares.get(name, 0)) for name in STRATA]
    lines += ["candidate %s %s %d" % (code, lvl or "-", 1 if complaint else 0) for code, lvl, complaint in candidates]
    lines += ["inspector %s %s" % (ident, ",".join(conflicts) or "-") for ident, conflicts in pool]
    text = "".join(line + "\n" for line in lines)
    checks.append(("inputs digest", hashlib.sha256(text.encode("utf-8")).hexdigest() == plan.get("inputsSha256")))

    def rank(message):
        return hmac.new(seed, message.encode("utf-8"), hashlib.sha256).hexdigest()

    strata, drawn = [], []
    for name in STRATA:
        members = [code for code, lvl, complaint in candidates if stratum(lvl, complaint) == name]
        scaled = len(members) * shares.get(name, 0)
        count = (scaled + 9999) // 10000 if ROUNDS_UP[name] else scaled // 10000
        strata.append((name, len(members), shares.get(name, 0), "up" if ROUNDS_UP[name] else "down", count))
        drawn += [(code, name) for code in sorted(members, key=lambda code: rank("agency|" + code))[:count]]
    expected = []
    for code, name in sorted(drawn):
        eligible = [ident for ident, conflicts in pool if code not in conflicts]
        expected.append((code, name, sorted(eligible, key=lambda ident: rank("inspector|%s|%s" % (code, ident)))[:2]))
    reported = [(s["stratum"], int(s.get("population", 0)), int(s.get("shareBasisPoints", 0)), s.get("rounding"), int(s.get("drawn", 0)))
                for s in plan.get("strata", [])]
    checks.append(("strata", reported == strata))
    actual = [(d["creditCode"], d["stratum"], list(d.get("inspectorIds", []))) for d in plan.get("drawn", [])]
    checks.append(("agencies and inspectors drawn", actual == expected))

    for name, ok in checks:
        print("%-36s %s" % (name, "ok" if ok else "FAILED"))
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
