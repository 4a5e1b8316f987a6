package sim

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"strings"

	"github.com/novalink-project/novalink/internal/model"
)

// The simulated NVRAM of a partition: the image the firmware keeps for it
// (PartitionNVRAM, base64 on the wire). It is laid out as a PowerPC
// (CHRP) NVRAM, a series of partitions each with a 16-byte header
// (signature, header checksum, length in 16-byte blocks, name):
//
//	0x70 "common"       the boot settings, key=value strings (boot-mode,
//	                    keylock, ipl-source): rewritten at each activation
//	0x51 "ibm,fw-data"  firmware data, derived from the partition's UUID
//	0x7f "wwwwwwwwwwww" free space
//
// The image depends only on the partition's UUID and boot settings, so it
// is the same from boot to boot and changes when the boot settings do.

// NVRAMSize is the size of a simulated NVRAM image (about 20 KB of
// base64, as a real NovaLink's).
const NVRAMSize = 15 << 10

// MaxNVRAM is the largest NVRAM (base64 text) a client may set.
const MaxNVRAM = 256 << 10

const (
	nvSigCommon = 0x70
	nvSigFW     = 0x51
	nvSigFree   = 0x7f
	nvHeader    = 16
	nvFWSize    = 4 << 10
	nvCommonLen = 512
)

// nvramSettings are the boot settings the common partition records.
func nvramSettings(p *model.Partition) []byte {
	var b bytes.Buffer
	kv := func(k, v string) {
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(v)
		b.WriteByte(0)
	}
	kv("boot-mode", bootMode(p))
	kv("keylock", p.Keylock)
	if p.Type == model.TypeOS400 {
		kv("ipl-source", p.IPLSource)
	}
	return b.Bytes()
}

// nvHeaderBytes builds a partition header.
func nvHeaderBytes(sig byte, blocks int, name string) []byte {
	h := make([]byte, nvHeader)
	h[0] = sig
	binary.BigEndian.PutUint16(h[2:4], uint16(blocks))
	copy(h[4:], name)
	h[1] = nvChecksum(h)
	return h
}

// nvChecksum is the CHRP header checksum: the header bytes but the
// checksum itself, added with the carry folded back.
func nvChecksum(h []byte) byte {
	sum := int(h[0])
	for _, c := range h[2:nvHeader] {
		sum += int(c)
		if sum > 0xff {
			sum = (sum & 0xff) + 1
		}
	}
	return byte(sum)
}

// newNVRAM builds the image of p from scratch.
func newNVRAM(p *model.Partition) []byte {
	img := make([]byte, 0, NVRAMSize)
	common := make([]byte, nvCommonLen)
	copy(common, nvramSettings(p))
	img = append(img, nvHeaderBytes(nvSigCommon, (nvHeader+nvCommonLen)/16, "common")...)
	img = append(img, common...)
	img = append(img, nvHeaderBytes(nvSigFW, (nvHeader+nvFWSize)/16, "ibm,fw-data")...)
	seed := sha256.Sum256([]byte("nvram/" + strings.ToUpper(p.UUID)))
	for len(img) < 2*nvHeader+nvCommonLen+nvFWSize {
		seed = sha256.Sum256(seed[:])
		img = append(img, seed[:]...)
	}
	img = img[:2*nvHeader+nvCommonLen+nvFWSize]
	free := NVRAMSize - len(img)
	img = append(img, nvHeaderBytes(nvSigFree, free/16, "wwwwwwwwwwww")...)
	return append(img, make([]byte, free-nvHeader)...)
}

// isSimNVRAM tells whether img is an image this simulator made (its
// first partition is the common one, with a valid header).
func isSimNVRAM(img []byte) bool {
	return len(img) == NVRAMSize && img[0] == nvSigCommon && img[1] == nvChecksum(img[:nvHeader]) &&
		string(bytes.TrimRight(img[4:nvHeader], "\x00")) == "common" &&
		int(binary.BigEndian.Uint16(img[2:4]))*16 == nvHeader+nvCommonLen
}

// BootNVRAM returns the NVRAM of p as it is once p has been activated
// with its current boot settings: a new image when it has none, its image
// with the boot settings rewritten when it is one of ours, and the image a
// client set (that this firmware does not lay out) unchanged.
func BootNVRAM(p *model.Partition) string {
	if p.NVRAM == "" {
		return base64.StdEncoding.EncodeToString(newNVRAM(p))
	}
	img, err := base64.StdEncoding.DecodeString(p.NVRAM)
	if err != nil || !isSimNVRAM(img) {
		return p.NVRAM
	}
	common := make([]byte, nvCommonLen)
	copy(common, nvramSettings(p))
	if bytes.Equal(img[nvHeader:nvHeader+nvCommonLen], common) {
		return p.NVRAM
	}
	out := append([]byte(nil), img...)
	copy(out[nvHeader:], common)
	return base64.StdEncoding.EncodeToString(out)
}

// CheckNVRAM validates an NVRAM a client sets: base64 text (whitespace
// between the characters is allowed and removed), at most MaxNVRAM long.
// It returns the text as kept.
func CheckNVRAM(s string) (string, error) {
	s = strings.Join(strings.Fields(s), "")
	if len(s) > MaxNVRAM {
		return "", model.Invalid("PartitionNVRAM is %d characters long; the largest NVRAM is %d characters of base64.", len(s), MaxNVRAM)
	}
	if _, err := base64.StdEncoding.DecodeString(s); err != nil {
		return "", model.Invalid("PartitionNVRAM is not valid base64: %v.", err)
	}
	return s, nil
}
