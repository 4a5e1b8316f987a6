package rest_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// TestMetricsPrometheus: /metrics is in the exposition format, needs a
// session or basic credentials of an account, and its counters follow
// the simulated workload.
func TestMetricsPrometheus(t *testing.T) {
	h := pcmSetup(t)
	scrape := func() map[string]*dto.MetricFamily {
		t.Helper()
		resp, data := h.doH("GET", "/metrics", "", "")
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
			t.Fatalf("GET /metrics: %s %s\n%s", resp.Status, resp.Header.Get("Content-Type"), data)
		}
		p := expfmt.NewTextParser(model.LegacyValidation)
		fams, err := p.TextToMetricFamilies(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("not the exposition format: %v", err)
		}
		return fams
	}
	value := func(fams map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
		t.Helper()
		f := fams[name]
		if f == nil {
			t.Fatalf("no metric %s", name)
		}
	next:
		for _, m := range f.Metric {
			for k, v := range labels {
				found := false
				for _, l := range m.Label {
					if l.GetName() == k && l.GetValue() == v {
						found = true
					}
				}
				if !found {
					continue next
				}
			}
			if m.Counter != nil {
				return m.Counter.GetValue()
			}
			return m.Gauge.GetValue()
		}
		t.Fatalf("no %s with %v", name, labels)
		return 0
	}
	a := scrape()
	cpu1 := value(a, "pvm_partition_cpu_seconds_total", map[string]string{"partition": "vm1"})
	rx1 := value(a, "pvm_adapter_bytes_total", map[string]string{"partition": "vm1", "vlan": "1", "direction": "received"})
	h.clk.Advance(time.Minute)
	b := scrape()
	cpu2 := value(b, "pvm_partition_cpu_seconds_total", map[string]string{"partition": "vm1"})
	rx2 := value(b, "pvm_adapter_bytes_total", map[string]string{"partition": "vm1", "vlan": "1", "direction": "received"})
	if d := cpu2 - cpu1; d < 0.7*60 || d > 0.9*60 {
		t.Errorf("vm1 used %.1f processor seconds in a minute, its load is 0.8 processors", d)
	}
	if d := (rx2 - rx1) / 60; d < 1.8e6 || d > 2.2e6 {
		t.Errorf("vm1 received %.0f B/s, its load is 2e6", d)
	}
	if v := value(b, "pvm_partition_running", map[string]string{"partition": "vm1"}); v != 1 {
		t.Errorf("vm1 running %v", v)
	}
	// Credentials: basic authentication with an account, nothing else.
	for _, c := range []struct {
		user, pw string
		status   int
	}{{"padmin", "pw", 200}, {"padmin", "wrong", 401}, {"", "", 401}} {
		req, _ := http.NewRequest("GET", h.ts.URL+"/metrics", nil)
		if c.user != "" {
			req.SetBasicAuth(c.user, c.pw)
		}
		resp, err := h.ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("/metrics as %q/%q: %s, want %d", c.user, c.pw, resp.Status, c.status)
		}
	}
}
