// Package storagetest serves the captured storage responses to the
// storage objects' tests (through internal/cli/clitest). It is linked by
// tests only.
package storagetest

import "github.com/novalink-project/novalink/internal/cli/clitest"

// The objects of the captures the tests name.
const (
	// MappingVIOS is the VIOS of fake_vios_mappings.txt (vios_1_Drew, ID 1).
	MappingVIOS = "014C1F78-B210-40B2-A12E-C82316B878CA"
	// VGVIOS is the VIOS of fake_vios.txt ("IO Server", ID 1), whose
	// volume groups fake_volume_group2.txt holds.
	VGVIOS = "14B854F7-42CE-4FF0-BD57-1D117054E701"
	// RootVG and ImagePool are its volume groups; image_pool holds the
	// repository (VMLibrary, 11 GB, six media) and 32 logical volumes.
	RootVG    = "1e46bbfd-73b6-3c2a-aeab-a1d3f065e92f"
	ImagePool = "b6bdbf1f-eddf-3c81-8801-9859eb6fedcb"
	// Tier is the tier of tier.txt.
	Tier = "c390432c-f139-3e7f-a168-e76f8c1cbc98"
	// Pool is the pool of ssp.txt.
	Pool = "e357a79a-7a3d-35b6-8405-55ab6a2d0de7"
)

// Pools serves one shared storage pool, "pool1" (ssp.txt renamed), with
// its tier (tier.txt), its cluster (cluster.txt) and the 22 logical units
// of lufeed.txt, of which the 1 GB linked clone
// boot_pvm3_tempest_ser_a73d7083 is made the overview's vdisk_vm1 (a
// 20 GB thin disk, not a clone, not in use).
func Pools(s *clitest.Server) {
	s.FeedEdited(`^/rest/api/uom/SharedStoragePool$`, "ssp.txt", `neossp1`, `pool1`)
	s.Feed(`^/rest/api/uom/SharedStoragePool/[^/]+/Tier$`, "tier.txt")
	s.Feed(`^/rest/api/uom/Cluster$`, "cluster.txt")
	s.FeedEdited(`^/rest/api/uom/Tier/[^/]+/LogicalUnit$`, "lufeed.txt",
		`(<UnitCapacity[^>]*>)1(</UnitCapacity>\s*<LogicalUnitType[^>]*>VirtualIO_Disk</LogicalUnitType>\s*)<ClonedFrom[^>]*>[^<]*</ClonedFrom>(\s*<InUse[^>]*>false</InUse>\s*<UnitName[^>]*>)boot_pvm3_tempest_ser_a73d7083`,
		`${1}20${2}${3}vdisk_vm1`)
}

// The logical units of Pools the tests name.
const (
	// VDiskVM1 is vdisk_vm1's UUID (etag 1056750293).
	VDiskVM1 = "a2b11d20-322d-3dcc-84ee-74fce7e90310"
	// Image20 is a 20 GB image (UUID 6d1fae20-487e-3fd0-ba39-fa0f7db933bc).
	Image20     = "image_template_PowerVM_Ubuntu_Base_97f6adc3b9144076a210393b9eea4da6"
	Image20UDID = "296c097502d44311e58004000040f2e95d9437fb054f7c56b6821fd4857f1bffa8"
)

// Mappings serves a system whose VIOS is vios_1_Drew of
// fake_vios_mappings.txt (28 vSCSI and 31 vFC mappings, whose clients are
// among the 17 partitions of fake_lpar_feed.txt), for every group, as a
// feed and as an entry; its volume groups are those of
// fake_volume_group2.txt.
func Mappings(s *clitest.Server) {
	s.Feed(`^/rest/api/uom/ManagedSystem$`, "managedsystem.txt")
	s.Feed(`^/rest/api/uom/LogicalPartition$`, "fake_lpar_feed.txt")
	s.Feed(`^/rest/api/uom/VirtualIOServer$`, "fake_vios_mappings.txt")
	s.Feed(`^/rest/api/uom/VirtualIOServer/[^/]+$`, "fake_vios_mappings.txt")
	s.Feed(`^/rest/api/uom/VirtualIOServer/[^/]+/VolumeGroup$`, "fake_volume_group2.txt")
}

// VolumeGroups serves a system whose VIOS is "IO Server" of fake_vios.txt
// with the volume groups of fake_volume_group2.txt: rootvg (no logical
// volume) and image_pool (32 logical volumes and the repository with six
// media).
func VolumeGroups(s *clitest.Server) {
	s.Feed(`^/rest/api/uom/ManagedSystem$`, "managedsystem.txt")
	s.Empty(`^/rest/api/uom/LogicalPartition$`)
	s.Feed(`^/rest/api/uom/VirtualIOServer$`, "fake_vios.txt")
	s.Feed(`^/rest/api/uom/VirtualIOServer/[^/]+$`, "fake_vios.txt")
	s.Feed(`^/rest/api/uom/VirtualIOServer/[^/]+/VolumeGroup$`, "fake_volume_group2.txt")
}
