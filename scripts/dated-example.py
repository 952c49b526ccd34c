#!/usr/bin/env python3
"""Prints an example request file (examples/activity.yaml) with its instants moved into the
half hour before now, in the same order and proportions, and `issued_on` set to the day the
last of them falls on in China. A filing may not lie in the future, nor before the agency was
listed, so the walkthrough files the example this way:

    scripts/dated-example.py examples/activity.yaml > activity-today.yaml
"""
import datetime
import re
import sys

INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
CHINA = datetime.timezone(datetime.timedelta(hours=8))


def parse(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)


def dated(text, now):
    """`text` with every instant mapped onto [now - 30 min, now - 1 min]."""
    instants = [parse(found) for found in INSTANT.findall(text)]
    if not instants:
        return text
    first, last = min(instants), max(instants)
    span = (last - first).total_seconds() or 1.0
    start = now - datetime.timedelta(minutes=30)

    def moved(instant):
        fraction = (instant - first).total_seconds() / span
        return start + datetime.timedelta(seconds=round(fraction * 29 * 60))

    text = INSTANT.sub(lambda match: moved(parse(match.group())).strftime("%Y-%m-%dT%H:%M:%SZ"), text)
    day = moved(last).astimezone(CHINA).date().isoformat()
    return re.sub(r"(issued_on: )\d{4}-\d{2}-\d{2}", lambda match: match.group(1) + day, text)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: scripts/dated-example.py FILE")
    with open(sys.argv[1], encoding="utf-8") as source:
        sys.stdout.write(dated(source.read(), datetime.datetime.now(datetime.timezone.utc)))
