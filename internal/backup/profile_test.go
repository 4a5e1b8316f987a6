package backup

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/novalink-project/novalink/internal/model"
)

// overviewHeader and overviewVIOS are the profile.bak of the overview,
// with its typo fixed (it has "uncap_weight\ 255") and the line, cut off
// there after "boot_mo", completed.
const overviewHeader = "CONFIG_VERSION = 0000000000030003\nTOD = 1464901557123\nMTMS = 8247-21L*212E3CA\n"

const overviewVIOS = `lpar_id\=2,name\=vios1,lpar_env\=vioserver,mem_mode\=ded,min_mem\=1024,desired_mem\=4096,max_mem\=16384,hpt_ratio\=6,mem_expansion\=0.00,min_procs\=2,desired_procs\=2,max_procs\=64,proc_mode\=shared,shared_proc_pool_id\=0,sharing_mode\=uncap,min_proc_units\=0.10,desired_proc_units\=1.00,max_proc_units\=10.00,uncap_weight\=255,allow_perf_collection\=0,work_group_id\=none,"io_slots\=21010013/none/0,21030015/none/0,2104001E/none/0","virtual_eth_adapters\=3/1/1//1/0/0/36BACB2677A6/all/none,6/1/4094//0/0/1/468CA1242EC8/all/none",virtual_scsi_adapters\=2/server/1/novalink_212E3CA/4/0,auto_start\=1,boot_mode\=norm,max_virtual_slots\=200`

func TestParseOverview(t *testing.T) {
	b := []byte(overviewHeader + overviewVIOS + "\n")
	p, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if p.ConfigVersion != ConfigVersion || p.TOD != 1464901557123 || p.MTMS != "8247-21L*212E3CA" {
		t.Errorf("header = %q %d %q", p.ConfigVersion, p.TOD, p.MTMS)
	}
	if len(p.Records) != 1 {
		t.Fatalf("%d records", len(p.Records))
	}
	r := p.Records[0]
	for name, want := range map[string]string{
		"lpar_id":               "2",
		"uncap_weight":          "255",
		"io_slots":              "21010013/none/0,21030015/none/0,2104001E/none/0",
		"virtual_eth_adapters":  "3/1/1//1/0/0/36BACB2677A6/all/none,6/1/4094//0/0/1/468CA1242EC8/all/none",
		"virtual_scsi_adapters": "2/server/1/novalink_212E3CA/4/0",
	} {
		if got, _ := r.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	out, err := Write(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, b) {
		t.Errorf("Write(Parse(b)) differs:\n%s\n%s", out, b)
	}
	// The overview's own line, with its typo, is refused with a clear message.
	_, err = Parse([]byte(overviewHeader + strings.Replace(overviewVIOS, `uncap_weight\=`, `uncap_weight\ `, 1) + "\n"))
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 4 || !strings.Contains(err.Error(), `uncap_weight: expected \= after the name`) {
		t.Errorf("typo: %v", err)
	}
}

// nasty are values that exercise every escaping rule.
var nasty = []string{
	"", "plain", "a=b", "==", "a,b", ",", `"`, `""`, `","`, `"a,b"`, `\`, `\\`, `\=`, `a\`, `\n`, "line\nbreak", "\n",
	"cr\rlf\r\n", " spaced out ", "\t", "\x00\x01\x7f", "é ü 中", "\xff\xfe", `x"y`, `"start`, `end"`, `a\,b`, `\"`, "%2F/%",
	`"virtual_eth_adapters\=3/1/1//1/0/0/36BACB2677A6/all/none,6/1/4094//0/0/1/468CA1242EC8/all/none"`,
}

func TestRoundTripValues(t *testing.T) {
	p := &Profile{ConfigVersion: ConfigVersion, TOD: 0, MTMS: "9009-42A*78ABCDE"}
	for i, v := range nasty {
		p.Records = append(p.Records, Record{{"lpar_id", "1"}, {"v", v}}, Record{{"w", v}}, Record{{"x", v}, {"y", v + "," + v}})
		if i%3 == 0 {
			p.Records[len(p.Records)-1] = append(p.Records[len(p.Records)-1], Attr{"z_9", v})
		}
	}
	b, err := Write(p)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(b)
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if d := cmp.Diff(p, back); d != "" {
		t.Errorf("Parse(Write(p)) differs (-want +got):\n%s", d)
	}
	again, err := Write(back)
	if err != nil || !bytes.Equal(again, b) {
		t.Errorf("Write(Parse(b)) differs: %v", err)
	}
	// One line per record: no value leaks a newline.
	if n := bytes.Count(b, []byte("\n")); n != 3+len(p.Records) {
		t.Errorf("%d lines for %d records", n, len(p.Records))
	}
}

func TestWriteForms(t *testing.T) {
	for _, c := range []struct{ value, pair string }{
		{"x", `a\=x`},
		{"", `a\=`},
		{"1,2", `"a\=1,2"`},
		{"a=b", `a\=a\=b`},
		{`q"q`, `"a\=q""q"`},
		{`\`, `a\=\\`},
		{"l\nm\r", `a\=l\nm\r`},
		{`"x=1,y"`, `"a\=""x\=1,y"""`},
	} {
		b, err := Write(&Profile{ConfigVersion: ConfigVersion, MTMS: "1-2*3", Records: []Record{{{"a", c.value}}}})
		if err != nil {
			t.Fatal(err)
		}
		line := strings.Split(string(b), "\n")[3]
		if line != c.pair {
			t.Errorf("%q written %s, want %s", c.value, line, c.pair)
		}
	}
}

func TestParseErrors(t *testing.T) {
	h := overviewHeader
	for _, c := range []struct {
		name, in string
		line     int
		want     string
	}{
		{"empty", "", 0, "empty"},
		{"no final newline", h + `a\=1`, 4, "truncated: the last line does not end with a newline"},
		{"cut in the header", "CONFIG_VERSION = 0000000000030003\nTOD = 1", 2, "truncated"},
		{"header only config", "CONFIG_VERSION = 0000000000030003\n", 2, "truncated: the header line TOD"},
		{"header no MTMS", "CONFIG_VERSION = 0000000000030003\nTOD = 5\n", 3, "header line MTMS = ... is missing"},
		{"garbled config", "CONFIG_VERSION=0000000000030003\nTOD = 5\nMTMS = 1-2*3\n", 1, "expected the header line CONFIG_VERSION"},
		{"short config", "CONFIG_VERSION = 30003\nTOD = 5\nMTMS = 1-2*3\n", 1, "not 16 hexadecimal digits"},
		{"header order", "TOD = 5\nCONFIG_VERSION = 0000000000030003\nMTMS = 1-2*3\n", 1, "CONFIG_VERSION"},
		{"bad TOD", "CONFIG_VERSION = 0000000000030003\nTOD = 12ab\nMTMS = 1-2*3\n", 2, `TOD "12ab"`},
		{"negative TOD", "CONFIG_VERSION = 0000000000030003\nTOD = -5\nMTMS = 1-2*3\n", 2, "TOD"},
		{"leading zero TOD", "CONFIG_VERSION = 0000000000030003\nTOD = 05\nMTMS = 1-2*3\n", 2, "leading zero"},
		{"huge TOD", "CONFIG_VERSION = 0000000000030003\nTOD = 99999999999999999999\nMTMS = 1-2*3\n", 2, "TOD"},
		{"empty TOD", "CONFIG_VERSION = 0000000000030003\nTOD = \nMTMS = 1-2*3\n", 2, "TOD"},
		{"bad MTMS", "CONFIG_VERSION = 0000000000030003\nTOD = 5\nMTMS = 8247-21L 212E3CA\n", 3, "type-model*serial"},
		{"duplicate", h + `a\=1,b\=2,a\=3` + "\n", 4, "attribute a appears twice"},
		{"duplicate quoted", h + `a\=1,"a\=2,3"` + "\n", 4, "attribute a appears twice"},
		{"unterminated", h + `a\=1,"b\=2,3` + "\n", 4, "unterminated quote"},
		{"unterminated doubled", h + `"b\=2,3""` + "\n", 4, "unterminated quote"},
		{"needless quotes", h + `"a\=1"` + "\n", 4, "needless quotes"},
		{"raw =", h + `a\=b=c` + "\n", 4, `an '=' in a value is written \=`},
		{"unknown escape", h + `a\=b\tc` + "\n", 4, `unknown escape \t`},
		{"dangling escape", h + `a\=b\` + "\n", 4, "middle of an escape"},
		{"CRLF", h + `a\=b` + "\r\n", 4, "CRLF"},
		{"CRLF header", "CONFIG_VERSION = 0000000000030003\r\nTOD = 5\r\nMTMS = 1-2*3\r\n", 1, "CRLF"},
		{"empty line", h + `a\=b` + "\n\n", 5, "empty line"},
		{"trailing comma", h + `a\=b,` + "\n", 4, "expected an attribute after ','"},
		{"no name", h + `\=b` + "\n", 4, "expected an attribute name"},
		{"upper-case name", h + `A\=b` + "\n", 4, "expected an attribute name"},
		{"plain =", h + `a=b` + "\n", 4, `expected \= after the name`},
		{"lone quote", h + `a\=b"c` + "\n", 4, "double quote in a value needs"},
		{"after quote", h + `"a\=b,c"d` + "\n", 4, "expected ',' after the closing quote"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.in))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a *ParseError", err)
			}
			if pe.Line != c.line || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v (line %d), want line %d and %q", err, pe.Line, c.line, c.want)
			}
		})
	}
}

func TestWriteErrors(t *testing.T) {
	ok := Profile{ConfigVersion: ConfigVersion, MTMS: "1-2*3"}
	for _, c := range []struct {
		name string
		edit func(p *Profile)
		want string
	}{
		{"version", func(p *Profile) { p.ConfigVersion = "3" }, "CONFIG_VERSION"},
		{"TOD", func(p *Profile) { p.TOD = -1 }, "negative"},
		{"MTMS", func(p *Profile) { p.MTMS = "1-2*3\nx" }, "MTMS"},
		{"empty record", func(p *Profile) { p.Records = []Record{{}} }, "no attributes"},
		{"name", func(p *Profile) { p.Records = []Record{{{"a=b", "1"}}} }, "attribute name"},
		{"empty name", func(p *Profile) { p.Records = []Record{{{"", "1"}}} }, "attribute name"},
		{"duplicate", func(p *Profile) { p.Records = []Record{{{"a", "1"}, {"a", "2"}}} }, "twice"},
	} {
		p := ok
		c.edit(&p)
		if _, err := Write(&p); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		}
	}
}

// FuzzParse: Parse never panics, and what it accepts writes back to the
// same bytes and parses again to the same profile.
func FuzzParse(f *testing.F) {
	f.Add([]byte(overviewHeader + overviewVIOS + "\n"))
	f.Add([]byte(overviewHeader))
	f.Add([]byte(overviewHeader + `a\=1,"b\=x,""y""",c\=\\\=\n\r` + "\n"))
	f.Add([]byte(overviewHeader + `a\=1,"b\=2` + "\n"))
	f.Add([]byte("CONFIG_VERSION = 0000000000030003\nTOD = 0\nMTMS = a-b*c\nz\\=\n"))
	// Line ends, a byte order mark, values outside ASCII or not UTF-8,
	// numbers out of range, a long record.
	f.Add([]byte(strings.ReplaceAll(overviewHeader+overviewVIOS+"\n", "\n", "\r\n")))
	f.Add([]byte("\ufeff" + overviewHeader))
	f.Add([]byte(overviewHeader + "name\\=é中,lpar_id\\=99999999999999999999,lpar_env\\=\xff\xfe\n"))
	f.Add([]byte(overviewHeader + "lpar_id\\=-1,name\\=\"a\nb\"\n"))
	f.Add([]byte(overviewHeader + strings.Repeat("k\\=v,", 5000) + "\n"))
	f.Add([]byte("CONFIG_VERSION = 9999999999999999999999\nTOD = -1\nMTMS = \n"))
	full, err := Write(FromState(testState(f), time.UnixMilli(1780186500000)))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(full)
	sys := testSystem()
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Parse(b)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *ParseError", err)
			}
			return
		}
		out, err := Write(p)
		if err != nil {
			t.Fatalf("Write of a parsed profile: %v", err)
		}
		if !bytes.Equal(out, b) {
			t.Fatalf("Write(Parse(b)) != b\n b  = %q\nout = %q", b, out)
		}
		back, err := Parse(out)
		if err != nil {
			t.Fatalf("Parse(Write(p)): %v", err)
		}
		if d := cmp.Diff(p, back, cmpopts.EquateEmpty()); d != "" {
			t.Fatalf("Parse(Write(p)) differs:\n%s", d)
		}
		// Reading it into the model never panics, and refuses with a
		// model error the REST API maps to 400.
		if r, err := p.ToModel(sys); err != nil {
			if model.KindOf(err) != model.KindInvalid {
				t.Fatalf("ToModel error %v is not KindInvalid", err)
			}
		} else if r == nil {
			t.Fatal("ToModel: nil and no error")
		}
	})
}

// FuzzWriteParse: any values survive Write then Parse.
func FuzzWriteParse(f *testing.F) {
	for _, v := range nasty {
		f.Add(v, v+",x", int64(1464901557123))
	}
	f.Add("\ufeffa", "b\u2028c", int64(-1))
	f.Add(strings.Repeat("é", 3000), "\\\"", int64(9223372036854775807))
	f.Fuzz(func(t *testing.T, a, b string, tod int64) {
		if tod < 0 {
			tod = -(tod + 1)
		}
		p := &Profile{ConfigVersion: ConfigVersion, TOD: tod, MTMS: "8247-21L*212E3CA",
			Records: []Record{{{"lpar_id", a}, {"name", b}}, {{"v", b + a}}}}
		out, err := Write(p)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Parse(out)
		if err != nil {
			t.Fatalf("%v\n%q", err, out)
		}
		if d := cmp.Diff(p, back); d != "" {
			t.Fatalf("differs:\n%s", d)
		}
	})
}
