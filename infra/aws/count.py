"""Counts a fleet's resources through the AWS API (boto3), independently of
mqherd's own code and checkpoint. Usage: python3 count.py FLEET
Prints one JSON object: things (of the fleet's attribute, and all),
certificates (ACTIVE/all), thing principals, policy attachments, CAs,
policies of the fleet."""
import json
import sys

import boto3

fleet = sys.argv[1]
iot = boto3.client("iot")


def pages(op, key, **kw):
    token = None
    while True:
        args = dict(kw)
        if token:
            args["nextToken" if op != "list_certificates" else "marker"] = token
        page = getattr(iot, op)(**args)
        yield from page.get(key, [])
        token = page.get("nextToken") or page.get("nextMarker")
        if not token:
            return


things = list(pages("list_things", "things", maxResults=250))
fleet_things = [t for t in things if t.get("attributes", {}).get("mqherd-fleet") == fleet]
certs = list(pages("list_certificates", "certificates", pageSize=250))
principals = sum(len(iot.list_thing_principals(thingName=t["thingName"])["principals"]) for t in things)
attached = sum(len(iot.list_attached_policies(target=c["certificateArn"])["policies"]) for c in certs)
policies = [p["policyName"] for p in pages("list_policies", "policies") if p["policyName"].startswith(fleet + "-")]
cas = []
for c in certs:  # moto lacks ListCACertificates: the CAs are found from their certificates
    ca = c.get("caCertificateId")
    if ca and ca not in cas:
        cas.append(ca)
print(json.dumps({
    "things": len(things), "fleet_things": len(fleet_things),
    "agent_things": sum(1 for t in things if t["thingName"].startswith("agent-")),
    "certificates": len(certs), "active_certificates": sum(1 for c in certs if c["status"] == "ACTIVE"),
    "thing_principals": principals, "policy_attachments": attached,
    "cas_in_use": len(cas), "policies": len(policies),
}))
