package rest

import (
	"bytes"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/novalink-project/novalink/internal/model"
	"github.com/novalink-project/novalink/uom"
)

// The request decoders of the REST API, fuzzed through the real handlers:
// whatever the body, the answer is never a 5xx (a panic would be a 500), and
// an error answer is an HttpErrorResponse.

func fuzzSeedsLPAR(f *testing.F) {
	f.Add([]byte(lparBody("fz", "1024", "")))
	f.Add([]byte(lparBody("fz", "1024", `<uom:PartitionProcessorConfiguration schemaVersion="V1_0"><uom:HasDedicatedProcessors>true</uom:HasDedicatedProcessors><uom:DedicatedProcessorConfiguration><uom:DesiredProcessors>1</uom:DesiredProcessors><uom:MaximumProcessors>2</uom:MaximumProcessors><uom:MinimumProcessors>1</uom:MinimumProcessors></uom:DedicatedProcessorConfiguration><uom:SharingMode>sre idle proces</uom:SharingMode></uom:PartitionProcessorConfiguration>`)))
	f.Add([]byte(`<uom:LogicalPartition xmlns:uom="` + uom.NSUOM + `"><uom:PartitionID>9999</uom:PartitionID></uom:LogicalPartition>`))
	f.Add([]byte(`<entry xmlns="` + uom.NSAtom + `"><content>` + lparBody("fz", "512", "") + `</content></entry>`))
	// The risky places: names outside ASCII, references, CDATA, the
	// name's length limit, numbers out of range, the namespaces, a DTD,
	// repeated and deep elements, many attributes.
	for _, s := range []string{
		lparBody("é-lpar", "1024", ""), lparBody("lpar\u00a0x", "1024", ""), lparBody("a&amp;b&#x41;&#66;", "1024", ""),
		lparBody("<![CDATA[cd<x>]]>", "1024", ""), lparBody("a<!-- c -->b", "1024", ""),
		lparBody(strings.Repeat("n", 47), "1024", ""), lparBody(strings.Repeat("n", 48), "1024", ""),
		lparBody("fz", "99999999999999999999", ""), lparBody("fz", "-1", ""), lparBody("fz", " 1024 ", ""),
		lparBody("fz", "1e3", ""), lparBody("fz", "0x400", ""), lparBody("fz", "١٠٢٤", ""), lparBody("fz", "&#49;024", ""),
		lparBody("fz", "1024", `<uom:PartitionName>dup</uom:PartitionName>`),
		lparBody("fz", "1024", strings.Repeat("<uom:X>", 70)+strings.Repeat("</uom:X>", 70)),
		strings.Replace(lparBody("fz", "1024", ""), `xmlns:uom="`+uom.NSUOM+`"`, `xmlns:uom="urn:wrong"`, 1),
		strings.NewReplacer("uom:", "", `xmlns:uom=`, `xmlns=`).Replace(lparBody("fz", "1024", "")),
		`<!DOCTYPE x [<!ENTITY e "lpar">]>` + lparBody("&e;", "1024", ""),
		strings.Replace(lparBody("fz", "1024", ""), ` schemaVersion="V1_0">`, ` a="1" b="2" b="3">`, 1),
	} {
		f.Add([]byte(s))
	}
}

func checkFuzzAnswer(t *testing.T, code int, body []byte) {
	t.Helper()
	if code >= 500 {
		t.Fatalf("server error %d: %s", code, body)
	}
	if code >= 400 {
		el, err := uom.DecodeBytes(body)
		if err != nil {
			t.Fatalf("error answer is not XML: %v", err)
		}
		if e, err := uom.ParseEntry(el); err != nil || e.Content == nil || e.Content.Local != "HttpErrorResponse" {
			t.Fatalf("error answer is not an HttpErrorResponse: %s", body)
		}
	}
}

// decodeFuzzBody runs what the create and update handlers do before the
// core operation: media type and root checks, schema check, parsing into
// the model, validation. It reports the HTTP status the handler would give.
func decodeFuzzBody(t *testing.T, fx *restFixture, body []byte, create bool) int {
	t.Helper()
	req := httptest.NewRequest("PUT", "http://127.0.0.1/rest/api/uom/LogicalPartition", bytes.NewReader(body))
	req.Header.Set("Content-Type", lparCT)
	k := fx.srv.kinds["LogicalPartition"]
	scr := scratches.Get().(*uom.Scratch) // as the handlers do
	defer scratches.Put(scr)
	el, _, err := readObjectBody(req, k, scr)
	if err == nil {
		var p *model.Partition
		if create {
			p, err = fx.srv.partitionFromXML(el, model.TypeAIXLinux)
		} else {
			p = fx.partition("lpar12").Clone()
			err = applyPartitionXML(p, el, uom.Schema("LogicalPartition"), false, groupSel{all: true})
		}
		if err == nil {
			if p.ID == 0 {
				p.ID = 99
			}
			err = model.ValidateDefinition(fx.core.System(), p)
		}
	}
	if err == nil {
		return 200
	}
	code, _ := statusOf(err)
	if code >= 500 {
		t.Fatalf("decoding a request body gave %d: %v", code, err)
	}
	return code
}

func FuzzCreatePartition(f *testing.F) {
	fuzzSeedsLPAR(f)
	fx := newRestFixture(f)
	f.Fuzz(func(t *testing.T, body []byte) { decodeFuzzBody(t, fx, body, true) })
}

func FuzzUpdatePartition(f *testing.F) {
	fuzzSeedsLPAR(f)
	fx := newRestFixture(f)
	f.Fuzz(func(t *testing.T, body []byte) { decodeFuzzBody(t, fx, body, false) })
}

// TestFuzzDecodersAgreeWithHandlers keeps decodeFuzzBody honest: for a few
// bodies, the real handler answers with the status the decoder predicts
// (or 200 when the decoder accepts and the operation succeeds).
func TestFuzzDecodersAgreeWithHandlers(t *testing.T) {
	fx := newRestFixture(t)
	var sysUUID string
	fx.core.Read(func(st *model.State) { sysUUID = st.System.UUID })
	for _, body := range []string{lparBody("agree1", "1024", ""), lparBody("agree2", "1000", ""), "<x", lparBody("agree3", "1024", "<uom:Nope/>")} {
		want := decodeFuzzBody(t, fx, []byte(body), true)
		rec := fx.do("PUT", "/rest/api/uom/ManagedSystem/"+sysUUID+"/LogicalPartition", lparCT, body, "")
		if rec.Code != want {
			t.Fatalf("decoder says %d, handler %d for %s", want, rec.Code, body)
		}
		checkFuzzAnswer(t, rec.Code, rec.Body.Bytes())
	}
}

func FuzzJobRequest(f *testing.F) {
	f.Add([]byte(`<JobRequest:JobRequest xmlns:JobRequest="` + uom.NSWeb + `" xmlns="` + uom.NSWeb + `"><RequestedOperation><OperationName>PowerOff</OperationName><GroupName>LogicalPartition</GroupName></RequestedOperation><JobParameters><JobParameter><ParameterName>immediate</ParameterName><ParameterValue>true</ParameterValue></JobParameter></JobParameters></JobRequest:JobRequest>`))
	f.Add([]byte(`<JobRequest xmlns="` + uom.NSWeb + `"/>`))
	param := func(name, value string) string {
		return `<JobParameter><ParameterName>` + name + `</ParameterName><ParameterValue>` + value + `</ParameterValue></JobParameter>`
	}
	job := func(params ...string) string {
		return `<JobRequest:JobRequest xmlns:JobRequest="` + uom.NSWeb + `" xmlns="` + uom.NSWeb + `"><RequestedOperation><OperationName>PowerOff</OperationName>` +
			`<GroupName>LogicalPartition</GroupName></RequestedOperation><JobParameters>` + strings.Join(params, "") + `</JobParameters></JobRequest:JobRequest>`
	}
	for _, s := range []string{
		job(param("immediate", "&#116;rue"), param("restart", "<![CDATA[false]]>")),
		job(param("imm&#101;diate", "true")), job(param("<![CDATA[immediate]]>", "true")),
		job(param("immediate", "true"), param("immediate", "false")),
		job(param("opération", "ü")), job(param("nosuch", "x")), job(param("", "")),
		job(param("operation", strings.Repeat("v", 70000))),
		strings.ReplaceAll(job(param("immediate", "true")), "JobRequest:JobRequest", "JobRequest"),
		strings.Replace(job(param("immediate", "true")), `xmlns="`+uom.NSWeb+`"`, `xmlns="urn:wrong"`, 1),
		`<!DOCTYPE x [<!ENTITY e "true">]>` + job(param("immediate", "&e;")),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		params, err := parseJobRequest(body, "PowerOff", "LogicalPartition")
		if err != nil {
			// Bad input is 400; a parameter beyond its size limit 413.
			if code, _ := statusOf(err); code != 400 && code != 413 {
				t.Fatalf("decoder error maps to %d: %v", code, err)
			}
			return
		}
		for _, p := range params {
			if p.Name != "immediate" && p.Name != "restart" && p.Name != "operation" {
				t.Fatalf("unexpected parameter accepted: %q", p.Name)
			}
		}
	})
}

func FuzzLogon(f *testing.F) {
	f.Add([]byte(logonBody("padmin", "pw")))
	f.Add([]byte(`<LogonRequest xmlns="` + uom.NSWeb + `"><UserID>x</UserID><GenerateX-API-SessionFile>true</GenerateX-API-SessionFile></LogonRequest>`))
	// The password and user as references, CDATA, outside ASCII, with
	// spaces; the elements repeated, in another namespace, under a DTD.
	for _, s := range []string{
		logonBody("padmin", "p&#119;"), logonBody("padmin", "<![CDATA[pw]]>"), logonBody("p&#97;dmin", "pw"),
		logonBody("padmin", " pw "), logonBody("padmin", "pw<!-- c -->"), logonBody("pädmin", "pw"), logonBody("padmin", "pw\u0000"),
		logonBody("padmin", "pw</Password><Password>x"), logonBody("padmin", "x</Password><Password>pw"),
		logonBody(strings.Repeat("u", 300), strings.Repeat("p", 70000)),
		strings.Replace(logonBody("padmin", "pw"), `xmlns="`+uom.NSWeb+`"`, `xmlns="urn:wrong"`, 1),
		`<!DOCTYPE x [<!ENTITY e "pw">]>` + logonBody("padmin", "&e;"),
		`<LogonRequest xmlns="` + uom.NSWeb + `"><UserID>x</UserID><GenerateX-API-SessionFile>TRUE</GenerateX-API-SessionFile></LogonRequest>`,
	} {
		f.Add([]byte(s))
	}
	fx := newRestFixture(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := fx.do("PUT", "/rest/api/web/Logon", uom.MediaType("web", "LogonRequest"), string(body), "-")
		checkFuzzAnswer(t, rec.Code, rec.Body.Bytes())
		if rec.Code != 200 {
			return
		}
		// Accepted: the body, decoded, has the account's password (every
		// account of the fixture has "pw") or asks for a local logon.
		el, err := uom.DecodeBytes(body)
		if err != nil {
			t.Fatalf("logon accepted a body that does not decode (%v): %q", err, body)
		}
		pw, _ := el.FindText("Password")
		gen, _ := el.FindText("GenerateX-API-SessionFile")
		if pw != "pw" && !strings.EqualFold(gen, "true") {
			t.Fatalf("logon accepted without the password: %q", body)
		}
	})
}

func FuzzSearchAndGroups(f *testing.F) {
	f.Add("(PartitionName=='lpar10')", "None")
	f.Add("(PartitionID!=3)", "ViosStorage,ViosSCSIMapping")
	for _, s := range [][2]string{
		{"(PartitionName=='lpär')", "None"}, {"(PartitionName=='a''b')", ""}, {"((PartitionID==1)", "None"},
		{"(PartitionID==99999999999999999999)", "None"}, {"(PartitionName==)", "None"}, {"(==x)", "None"},
		{"(PartitionName=='x')&&(PartitionID<=3)", "None,None"}, {"(NoSuchProperty=='x')", "ViosStorage,Bogus"},
		{strings.Repeat("(", 100) + "PartitionID==1" + strings.Repeat(")", 100), strings.Repeat("None,", 200)},
		{"(PartitionName=='\u00e9\ue000')", "\u00e9"}, {"", ""},
	} {
		f.Add(s[0], s[1])
	}
	fx := newRestFixture(f)
	f.Fuzz(func(t *testing.T, q, group string) {
		if strings.ContainsAny(q, "/?#%") || strings.ContainsAny(group, "&#%") {
			return
		}
		rec := fx.do("GET", "/rest/api/uom/LogicalPartition/search/"+pathEscape(q)+"?group="+pathEscape(group), "", "", "")
		checkFuzzAnswer(t, rec.Code, rec.Body.Bytes())
	})
}

func pathEscape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_.~()'=!,", c) >= 0 {
			b.WriteByte(c)
		} else {
			b.WriteString("%" + strings.ToUpper(string("0123456789abcdef"[c>>4])+string("0123456789abcdef"[c&15])))
		}
	}
	return b.String()
}
