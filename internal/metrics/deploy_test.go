package metrics

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"gopkg.in/yaml.v3"
)

// defined lists the metric names this package registers, with the
// _bucket, _sum and _count series of histograms.
func defined(t *testing.T) map[string]bool {
	t.Helper()
	ch := make(chan *prometheus.Desc, 64)
	go func() {
		Registry.Describe(ch)
		close(ch)
	}()
	fq := regexp.MustCompile(`fqName: "([^"]+)"`)
	out := map[string]bool{}
	for d := range ch {
		if m := fq.FindStringSubmatch(d.String()); m != nil {
			for _, suffix := range []string{"", "_bucket", "_sum", "_count"} {
				out[m[1]+suffix] = true
			}
		}
	}
	return out
}

var metricName = regexp.MustCompile(`\b((?:gateway|go|process)_[a-z_]+)\b`)

func checkExprs(t *testing.T, file string, exprs []string) {
	t.Helper()
	names := defined(t)
	if len(exprs) == 0 {
		t.Fatalf("%s: no expressions found", file)
	}
	for _, e := range exprs {
		for _, m := range metricName.FindAllStringSubmatch(e, -1) {
			if !names[m[1]] {
				t.Errorf("%s uses %s, which internal/metrics does not define (in %q)", file, m[1], e)
			}
		}
	}
}

func TestAlertRulesUseDefinedMetrics(t *testing.T) {
	const file = "../../deploy/prometheus/alerts.yml"
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Groups []struct {
			Rules []struct {
				Alert string `yaml:"alert"`
				Expr  string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	var exprs []string
	alerts := map[string]bool{}
	for _, g := range doc.Groups {
		for _, r := range g.Rules {
			exprs = append(exprs, r.Expr)
			alerts[r.Alert] = true
		}
	}
	for _, want := range []string{"GatehouseDown", "GatehouseHighErrorRate", "GatehouseHighLatencyP99"} {
		if !alerts[want] {
			t.Errorf("%s lacks alert %s", file, want)
		}
	}
	checkExprs(t, file, exprs)
	if !strings.Contains(string(b), "> 0.01") || !strings.Contains(string(b), "histogram_quantile(0.99") {
		t.Errorf("%s: the error-rate (1%%) or p99 (1s) thresholds changed", file)
	}
}

func TestDashboardUsesDefinedMetrics(t *testing.T) {
	const file = "../../deploy/grafana/gatehouse-dashboard.json"
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	var exprs []string
	for _, p := range dash.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, q := range p.Targets {
			exprs = append(exprs, q.Expr)
		}
	}
	checkExprs(t, file, exprs)
}
