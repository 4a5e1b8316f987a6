-- wrk script for bench/run.sh: every request creates a new logical
-- partition (PUT .../ManagedSystem/<uuid>/LogicalPartition) with a unique
-- name, as pypowervm's LPARBuilder would send it.
--
--   wrk -t2 -c16 -d5s -s bench/create.lua URL -- TOKEN PREFIX
--
-- URL is the LogicalPartition feed of the managed system. Each connection
-- has one request outstanding, so -c16 is 16 concurrent clients.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

local counter = 0
local headers
local prefix

local ns = "http://www.ibm.com/xmlns/systems/power/firmware/uom/mc/2012_10/"
local head = '<LogicalPartition:LogicalPartition xmlns:LogicalPartition="' .. ns .. '" xmlns="' .. ns ..
  '" xmlns:ns2="http://www.w3.org/XML/1998/namespace/k2" schemaVersion="V1_0">' ..
  '<Metadata><Atom/></Metadata>' ..
  '<AvailabilityPriority>127</AvailabilityPriority>' ..
  '<PartitionMemoryConfiguration schemaVersion="V1_0"><Metadata><Atom/></Metadata>' ..
  '<DesiredMemory>2048</DesiredMemory><HardwarePageTableRatio>7</HardwarePageTableRatio>' ..
  '<MaximumMemory>4096</MaximumMemory><MinimumMemory>1024</MinimumMemory>' ..
  '</PartitionMemoryConfiguration>' ..
  '<PartitionName>'
local tail = '</PartitionName>' ..
  '<PartitionProcessorConfiguration schemaVersion="V1_0"><Metadata><Atom/></Metadata>' ..
  '<HasDedicatedProcessors>false</HasDedicatedProcessors>' ..
  '<SharedProcessorConfiguration schemaVersion="V1_0"><Metadata><Atom/></Metadata>' ..
  '<DesiredProcessingUnits>0.50</DesiredProcessingUnits><DesiredVirtualProcessors>1</DesiredVirtualProcessors>' ..
  '<MaximumProcessingUnits>1.00</MaximumProcessingUnits><MaximumVirtualProcessors>1</MaximumVirtualProcessors>' ..
  '<MinimumProcessingUnits>0.10</MinimumProcessingUnits><MinimumVirtualProcessors>1</MinimumVirtualProcessors>' ..
  '<SharedProcessorPoolID>0</SharedProcessorPoolID><UncappedWeight>128</UncappedWeight>' ..
  '</SharedProcessorConfiguration><SharingMode>uncapped</SharingMode>' ..
  '</PartitionProcessorConfiguration>' ..
  '<PartitionType>AIX/Linux</PartitionType>' ..
  '</LogicalPartition:LogicalPartition>'

function init(args)
  headers = {
    ["X-API-Session"] = args[1],
    ["Content-Type"] = "application/vnd.ibm.powervm.uom+xml; type=LogicalPartition",
    ["Accept"] = "application/atom+xml",
  }
  prefix = (args[2] or "wrk") .. tid .. "-"
end

function request()
  counter = counter + 1
  return wrk.format("PUT", nil, headers, head .. prefix .. counter .. tail)
end
