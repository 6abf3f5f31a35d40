package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Three rounds each for direct and gatehouse, one for nginx; caddy skipped.
const sampleRuns = `
direct    1 100000 1000000 400 900  0 0 0    1.0 1.0
direct    2 120000 1000000 400 900  0 0 0    1.0 1.0
direct    3 110000 1000000 400 900  0 0 0    1.0 1.0
gatehouse 1  50000 1000000 800 2000 0 0 1.0  0.5 1.0
gatehouse 2  60000 1000000 800 2000 0 0 0.5  0.5 1.0
gatehouse 3  55000 1000000 800 2000 0 2 1.0  0.5 1.0
nginx     1  80000 2000000 600 1500 0 0 1.6  1.0 2.0
`

func TestBuildMediansAndRatios(t *testing.T) {
	runs, err := parseRuns(strings.NewReader(sampleRuns))
	if err != nil {
		t.Fatal(err)
	}
	rep := build(runs, map[string]string{"duration": "1s", "skipped.caddy": "not installed"})

	d := rep.Targets["direct"]
	if d.RPS != 110000 || d.P50ms != 0.4 || d.ProxyCores != nil || d.RPSPerProxyCore != nil {
		t.Errorf("direct summary: %+v", d)
	}
	g := rep.Targets["gatehouse"]
	// Per-run efficiency 50000, 120000, 55000 -> median 55000.
	if g.RPS != 55000 || *g.ProxyCores != 1.0 || *g.RPSPerProxyCore != 55000 || g.Errors != 2 {
		t.Errorf("gatehouse summary: rps %v cores %v eff %v errors %d", g.RPS, *g.ProxyCores, *g.RPSPerProxyCore, g.Errors)
	}
	n := rep.Targets["nginx"]
	if n.RPS != 40000 || *n.ProxyCores != 0.8 || *n.RPSPerProxyCore != 50000 {
		t.Errorf("nginx summary: rps %v cores %v eff %v", n.RPS, *n.ProxyCores, *n.RPSPerProxyCore)
	}

	if r := rep.Ratios["gatehouse/direct"]; *r.RPS != 0.5 || r.RPSPerProxyCore != nil {
		t.Errorf("gatehouse/direct: %+v", r)
	}
	// Paired by round: nginx ran in round 1 only, where gatehouse did
	// 50000 req/s on 1.0 core and nginx 40000 on 0.8.
	if r := rep.Ratios["gatehouse/nginx"]; *r.RPS != 1.25 || *r.RPSPerProxyCore != 1.0 {
		t.Errorf("gatehouse/nginx: rps %v eff %v", *r.RPS, *r.RPSPerProxyCore)
	}
	if _, ok := rep.Ratios["gatehouse/caddy"]; ok {
		t.Error("ratio against a target that did not run")
	}
	if rep.Skipped["caddy"] != "not installed" || rep.Meta["duration"] != "1s" {
		t.Errorf("meta/skipped: %v %v", rep.Meta, rep.Skipped)
	}
}

// TestRatiosArePairedByRound: the machine sped up in round 2 for both
// targets. Per round gatehouse does half of nginx's req/s twice and about
// the same once, so the ratio is 0.5; a ratio of the two medians would mix
// rounds and say 0.65.
func TestRatiosArePairedByRound(t *testing.T) {
	runs, err := parseRuns(strings.NewReader(`
gatehouse 1 10000 1000000 800 2000 0 0 1.0 0.5 1.0
gatehouse 2 30000 1000000 800 2000 0 0 1.0 0.5 1.0
gatehouse 3 20000 1000000 800 2000 0 0 1.0 0.5 1.0
nginx     1 20000 1000000 600 1500 0 0 1.0 0.5 1.0
nginx     2 31000 1000000 600 1500 0 0 1.0 0.5 1.0
nginx     3 40000 1000000 600 1500 0 0 1.0 0.5 1.0
`))
	if err != nil {
		t.Fatal(err)
	}
	r := build(runs, nil).Ratios["gatehouse/nginx"]
	if *r.RPS != 0.5 || *r.RPSPerProxyCore != 0.5 {
		t.Fatalf("gatehouse/nginx: rps %v per core %v; want 0.5 and 0.5 (median of per-round ratios)", *r.RPS, *r.RPSPerProxyCore)
	}
}

func TestRunWritesTableAndJSON(t *testing.T) {
	dir := t.TempDir()
	runsPath := filepath.Join(dir, "runs.tsv")
	metaPath := filepath.Join(dir, "meta.tsv")
	jsonPath := filepath.Join(dir, "out.json")
	if err := os.WriteFile(runsPath, []byte(sampleRuns), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(metaPath, []byte("skipped.caddy\tnot installed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(runsPath, metaPath, jsonPath, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"gatehouse/nginx", "caddy      skipped: not installed", "0.400ms"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
	raw, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var rep Report
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatalf("JSON: %v", err)
	}
	if rep.Targets["direct"].Runs != 3 {
		t.Errorf("JSON direct runs = %d", rep.Targets["direct"].Runs)
	}
}

func TestParseRunsRejectsShortLines(t *testing.T) {
	if _, err := parseRuns(strings.NewReader("direct 1 2 3\n")); err == nil {
		t.Error("short line accepted")
	}
}
