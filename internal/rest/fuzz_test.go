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
	el, _, err := readObjectBody(req, k)
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
	f.Fuzz(func(t *testing.T, body []byte) {
		params, err := parseJobRequest(body, "PowerOff", "LogicalPartition")
		if err != nil {
			if code, _ := statusOf(err); code != 400 {
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
	fx := newRestFixture(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := fx.do("PUT", "/rest/api/web/Logon", uom.MediaType("web", "LogonRequest"), string(body), "-")
		checkFuzzAnswer(t, rec.Code, rec.Body.Bytes())
		if rec.Code == 200 && !strings.Contains(string(body), "pw") && !strings.Contains(string(body), "GenerateX-API-SessionFile") {
			t.Fatalf("logon accepted without a password: %s", body)
		}
	})
}

func FuzzSearchAndGroups(f *testing.F) {
	f.Add("(PartitionName=='lpar10')", "None")
	f.Add("(PartitionID!=3)", "ViosStorage,ViosSCSIMapping")
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
