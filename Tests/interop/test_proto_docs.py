"""Every message, field, enum, enum value, service and method of cqmon.v1 has a comment.

The API is for LIMS vendors who only ever see proto/: an undocumented element is a defect.
"""
import sys

from conftest import ROOT, descriptor_set


def undocumented():
    missing = []
    protos = sorted(str(p.relative_to(ROOT / "proto")) for p in (ROOT / "proto/cqmon").rglob("*.proto"))
    for file in descriptor_set(*protos).file:
        if not file.name.startswith("cqmon/"):
            continue
        comments = {tuple(loc.path): loc.leading_comments.strip() for loc in file.source_code_info.location}

        def check(path, what):
            if not comments.get(tuple(path)):
                missing.append(f"{file.name}: {what}")

        def walk_enum(enum, path, scope):
            check(path, f"enum {scope}{enum.name}")
            for i, value in enumerate(enum.value):
                check(path + [2, i], f"enum value {scope}{enum.name}.{value.name}")

        def walk_message(msg, path, scope):
            if msg.options.map_entry:
                return
            name = scope + msg.name
            check(path, f"message {name}")
            for i, field in enumerate(msg.field):
                check(path + [2, i], f"field {name}.{field.name}")
            for i, nested in enumerate(msg.nested_type):
                walk_message(nested, path + [3, i], name + ".")
            for i, enum in enumerate(msg.enum_type):
                walk_enum(enum, path + [4, i], name + ".")

        for i, msg in enumerate(file.message_type):
            walk_message(msg, [4, i], "")
        for i, enum in enumerate(file.enum_type):
            walk_enum(enum, [5, i], "")
        for i, service in enumerate(file.service):
            check([6, i], f"service {service.name}")
            for j, method in enumerate(service.method):
                check([6, i, 2, j], f"rpc {service.name}.{method.name}")
    return missing


def test_every_element_of_the_api_is_documented():
    missing = undocumented()
    assert not missing, "undocumented:\n" + "\n".join(missing)


if __name__ == "__main__":
    found = undocumented()
    print("\n".join(found))
    sys.exit(1 if found else 0)
