#!/usr/bin/env python3
"""check_secrets.py RENDERED.yaml KEYFILE: the cluster key (raw, base64 or
hex) appears only in the data of a kind: Secret document of the rendered
chart. Prints where it appears otherwise; exit 1 then."""
import base64
import sys

rendered, keyfile = sys.argv[1], sys.argv[2]
key = open(keyfile, "rb").read()
forms = {"base64": base64.b64encode(key).decode(), "hex": key.hex()}
try:
    forms["text"] = key.decode().strip()
except UnicodeDecodeError:
    pass
docs = open(rendered, encoding="utf-8", errors="replace").read().split("\n---")
bad, in_secret = [], 0
for d in docs:
    kind = next((l.split(":", 1)[1].strip() for l in d.splitlines() if l.startswith("kind:")), "?")
    for form, s in forms.items():
        if s and s in d:
            if kind == "Secret" and form == "base64":
                in_secret += 1
            else:
                bad.append(f"{kind}: the key as {form}")
for b in bad:
    print("  key found in", b)
if in_secret != 1:
    print(f"  the key is in {in_secret} Secret documents, want 1")
sys.exit(1 if bad or in_secret != 1 else 0)
