#!/usr/bin/python3
"""The listing of `pvmctl lpar list`, done with the Python standard library
only (urllib + xml.etree), for bench/pvmctl.sh to compare against.

Environment: PVM_URL; PVM_TOKEN (a session to reuse) or PVM_USER and
PVM_PASSWORD (log on first)."""
import os
import sys
import urllib.request
import xml.etree.ElementTree as ET

UOM = "{http://www.ibm.com/xmlns/systems/power/firmware/uom/mc/2012_10/}"
WEB = "http://www.ibm.com/xmlns/systems/power/firmware/web/mc/2012_10/"
ATOM = "{http://www.w3.org/2005/Atom}"

url = os.environ["PVM_URL"]
token = os.environ.get("PVM_TOKEN")
if not token:
    body = ('<LogonRequest xmlns="%s" schemaVersion="V1_0"><UserID>%s</UserID>'
            '<Password>%s</Password></LogonRequest>' % (WEB, os.environ["PVM_USER"], os.environ["PVM_PASSWORD"]))
    req = urllib.request.Request(url + "/rest/api/web/Logon", data=body.encode(), method="PUT", headers={
        "Content-Type": "application/vnd.ibm.powervm.web+xml; type=LogonRequest",
        "Accept": "application/vnd.ibm.powervm.web+xml; type=LogonResponse"})
    with urllib.request.urlopen(req) as r:
        token = ET.fromstring(r.read()).findtext("{%s}X-API-Session" % WEB)

req = urllib.request.Request(url + "/rest/api/uom/LogicalPartition?group=None",
                             headers={"X-API-Session": token, "Accept": "application/atom+xml"})
with urllib.request.urlopen(req) as r:
    feed = ET.fromstring(r.read())

rows = []
for entry in feed.iter(ATOM + "entry"):
    lpar = entry.find(ATOM + "content")[0]
    def t(path):
        return lpar.findtext("/".join(UOM + p for p in path.split("/"))) or ""
    ded = t("PartitionProcessorConfiguration/HasDedicatedProcessors") == "true"
    if ded:
        cpu = t("PartitionProcessorConfiguration/DedicatedProcessorConfiguration/DesiredProcessors")
        ent = cpu
    else:
        cpu = t("PartitionProcessorConfiguration/SharedProcessorConfiguration/DesiredVirtualProcessors")
        ent = t("PartitionProcessorConfiguration/SharedProcessorConfiguration/DesiredProcessingUnits")
    rows.append([t("PartitionName"), t("PartitionID"), t("PartitionState"), t("PartitionType"),
                 t("ReferenceCode"), t("PartitionMemoryConfiguration/DesiredMemory"), cpu, ent])

headers = ["Name", "ID", "State", "Env", "Ref Code", "Mem", "CPU", "Ent"]
widths = [max(len(r[i]) for r in rows + [headers]) for i in range(len(headers))]
out = ["Logical Partitions"]
for r in [headers] + rows:
    out.append("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |")
sys.stdout.write("\n".join(out) + "\n")
