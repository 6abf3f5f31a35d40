// Command report turns the per-run measurements that bench/run.sh collects
// into the summary table and bench/results/latest.json. It is a separate
// program so that medians, ratios and JSON are not done in awk.
//
// Input (-runs): one tab-separated line per wrk run:
//
//	target round requests duration_us p50_us p99_us socket_errors http_errors proxy_cpu_s upstream_cpu_s wall_s
//
// Input (-meta): "key<TAB>value" lines copied into the JSON; keys starting
// with "skipped." name a target that did not run and why.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
)

// targetOrder is the display order; "direct" has no proxy in between.
var targetOrder = []string{"direct", "gatehouse", "nginx", "caddy"}

// Run is one wrk run against one target.
type Run struct {
	Target        string  `json:"-"`
	Round         int     `json:"round"`
	Requests      int64   `json:"requests"`
	Seconds       float64 `json:"seconds"`
	RPS           float64 `json:"rps"`
	P50ms         float64 `json:"p50_ms"`
	P99ms         float64 `json:"p99_ms"`
	SocketErrors  int64   `json:"socket_errors"`
	HTTPErrors    int64   `json:"http_errors"`
	ProxyCPUSec   float64 `json:"proxy_cpu_seconds"`
	UpstreamCPU   float64 `json:"upstream_cpu_seconds"`
	WallSec       float64 `json:"wall_seconds"`
	ProxyCores    float64 `json:"proxy_cores"`
	UpstreamCores float64 `json:"upstream_cores"`
}

// Summary is the per-target medians over all rounds. Pointers are null in
// JSON where a value does not apply (no proxy for "direct").
type Summary struct {
	Runs            int      `json:"runs"`
	RPS             float64  `json:"rps"`
	P50ms           float64  `json:"p50_ms"`
	P99ms           float64  `json:"p99_ms"`
	ProxyCores      *float64 `json:"proxy_cores"`
	RPSPerProxyCore *float64 `json:"rps_per_proxy_core"`
	UpstreamCores   float64  `json:"upstream_cores"`
	Errors          int64    `json:"errors"`
	PerRun          []Run    `json:"per_run"`
}

// Ratio compares gatehouse with one other target.
type Ratio struct {
	RPS             *float64 `json:"rps"`
	RPSPerProxyCore *float64 `json:"rps_per_proxy_core"`
}

// Report is the whole of latest.json.
type Report struct {
	Meta    map[string]string   `json:"meta"`
	Skipped map[string]string   `json:"skipped"`
	Targets map[string]*Summary `json:"targets"`
	Ratios  map[string]Ratio    `json:"ratios"`
}

func main() {
	runsPath := flag.String("runs", "", "runs TSV file (required)")
	metaPath := flag.String("meta", "", "meta TSV file")
	jsonPath := flag.String("json", "", "write the JSON report here")
	flag.Parse()
	if *runsPath == "" {
		fmt.Fprintln(os.Stderr, "report: -runs is required")
		os.Exit(2)
	}
	if err := run(*runsPath, *metaPath, *jsonPath, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

func run(runsPath, metaPath, jsonPath string, out io.Writer) error {
	f, err := os.Open(runsPath)
	if err != nil {
		return err
	}
	defer f.Close()
	runs, err := parseRuns(f)
	if err != nil {
		return err
	}
	meta := map[string]string{}
	if metaPath != "" {
		mf, err := os.Open(metaPath)
		if err != nil {
			return err
		}
		defer mf.Close()
		if meta, err = parseMeta(mf); err != nil {
			return err
		}
	}
	rep := build(runs, meta)
	printTable(out, rep)
	if jsonPath == "" {
		return nil
	}
	data, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(jsonPath, append(data, '\n'), 0o644)
}

func parseRuns(r io.Reader) ([]Run, error) {
	var runs []Run
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 11 {
			return nil, fmt.Errorf("runs line %d: %d fields, want 11", n, len(f))
		}
		num := make([]float64, 10)
		for i := range num {
			v, err := strconv.ParseFloat(f[i+1], 64)
			if err != nil {
				return nil, fmt.Errorf("runs line %d field %d: %v", n, i+2, err)
			}
			num[i] = v
		}
		run := Run{
			Target:       f[0],
			Round:        int(num[0]),
			Requests:     int64(num[1]),
			Seconds:      num[2] / 1e6,
			P50ms:        num[3] / 1e3,
			P99ms:        num[4] / 1e3,
			SocketErrors: int64(num[5]),
			HTTPErrors:   int64(num[6]),
			ProxyCPUSec:  num[7],
			UpstreamCPU:  num[8],
			WallSec:      num[9],
		}
		if run.Seconds > 0 {
			run.RPS = float64(run.Requests) / run.Seconds
		}
		// Cores used = CPU seconds burnt per second of wall time during
		// the wrk run (1.0 = one core fully busy).
		if run.WallSec > 0 {
			run.ProxyCores = run.ProxyCPUSec / run.WallSec
			run.UpstreamCores = run.UpstreamCPU / run.WallSec
		}
		runs = append(runs, run)
	}
	return runs, sc.Err()
}

func parseMeta(r io.Reader) (map[string]string, error) {
	meta := map[string]string{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "\t")
		if ok {
			meta[k] = v
		}
	}
	return meta, sc.Err()
}

func build(runs []Run, meta map[string]string) Report {
	rep := Report{
		Meta:    map[string]string{},
		Skipped: map[string]string{},
		Targets: map[string]*Summary{},
		Ratios:  map[string]Ratio{},
	}
	for k, v := range meta {
		if t, ok := strings.CutPrefix(k, "skipped."); ok {
			rep.Skipped[t] = v
		} else {
			rep.Meta[k] = v
		}
	}

	byTarget := map[string][]Run{}
	for _, r := range runs {
		byTarget[r.Target] = append(byTarget[r.Target], r)
	}
	for t, rs := range byTarget {
		s := &Summary{Runs: len(rs), PerRun: rs}
		s.RPS = median(rs, func(r Run) float64 { return r.RPS })
		s.P50ms = median(rs, func(r Run) float64 { return r.P50ms })
		s.P99ms = median(rs, func(r Run) float64 { return r.P99ms })
		s.UpstreamCores = median(rs, func(r Run) float64 { return r.UpstreamCores })
		for _, r := range rs {
			s.Errors += r.SocketErrors + r.HTTPErrors
		}
		if t != "direct" {
			cores := median(rs, func(r Run) float64 { return r.ProxyCores })
			// Median of per-run efficiency rather than median rps over
			// median cores: each run's pair was measured together.
			eff := median(rs, func(r Run) float64 { return safeDiv(r.RPS, r.ProxyCores) })
			s.ProxyCores, s.RPSPerProxyCore = &cores, &eff
		}
		rep.Targets[t] = s
	}

	gh := rep.Targets["gatehouse"]
	if gh == nil {
		return rep
	}
	for _, other := range []string{"direct", "nginx", "caddy"} {
		o := rep.Targets[other]
		if o == nil {
			continue
		}
		var r Ratio
		rps := func(r Run) float64 { return r.RPS }
		if v, ok := pairedRatio(gh.PerRun, o.PerRun, rps); ok {
			r.RPS = &v
		} else if o.RPS > 0 {
			v := gh.RPS / o.RPS
			r.RPS = &v
		}
		// No proxy runs for "direct", so per-core has nothing to compare.
		if o.RPSPerProxyCore != nil && gh.RPSPerProxyCore != nil && *o.RPSPerProxyCore > 0 {
			eff := func(r Run) float64 { return safeDiv(r.RPS, r.ProxyCores) }
			v, ok := pairedRatio(gh.PerRun, o.PerRun, eff)
			if !ok {
				v = *gh.RPSPerProxyCore / *o.RPSPerProxyCore
			}
			r.RPSPerProxyCore = &v
		}
		rep.Ratios["gatehouse/"+other] = r
	}
	return rep
}

// pairedRatio is the median over rounds of gatehouse's value over the
// other target's in the same round. Runs of one round are seconds apart,
// so they share the machine's state of the moment; a ratio of medians
// could take its two numbers from different rounds, and on a shared
// machine those can differ more than the proxies do. ok is false when no
// round has both.
func pairedRatio(gh, other []Run, f func(Run) float64) (float64, bool) {
	byRound := map[int]float64{}
	for _, r := range other {
		byRound[r.Round] = f(r)
	}
	var ratios []Run
	for _, r := range gh {
		if d, ok := byRound[r.Round]; ok && d > 0 {
			ratios = append(ratios, Run{RPS: f(r) / d})
		}
	}
	if len(ratios) == 0 {
		return 0, false
	}
	return median(ratios, func(r Run) float64 { return r.RPS }), true
}

func median(rs []Run, f func(Run) float64) float64 {
	if len(rs) == 0 {
		return 0
	}
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = f(r)
	}
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

func safeDiv(a, b float64) float64 {
	if b <= 0 {
		return 0
	}
	return a / b
}

func printTable(w io.Writer, rep Report) {
	fmt.Fprintf(w, "%-10s %10s %9s %9s %12s %15s %15s %7s\n",
		"target", "req/s", "p50", "p99", "proxy cores", "req/s per core", "upstream cores", "errors")
	for _, t := range targetOrder {
		s := rep.Targets[t]
		if s == nil {
			reason := rep.Skipped[t]
			if reason == "" {
				reason = "no runs"
			}
			fmt.Fprintf(w, "%-10s skipped: %s\n", t, reason)
			continue
		}
		fmt.Fprintf(w, "%-10s %10.0f %9s %9s %12s %15s %15.2f %7d\n",
			t, s.RPS, ms(s.P50ms), ms(s.P99ms), optf(s.ProxyCores, "%.2f"),
			optf(s.RPSPerProxyCore, "%.0f"), s.UpstreamCores, s.Errors)
	}
	if len(rep.Ratios) == 0 {
		fmt.Fprintln(w, "\nratios: none (gatehouse did not run)")
		return
	}
	fmt.Fprintf(w, "\n%-18s %8s %15s\n", "ratio", "req/s", "req/s per core")
	for _, other := range []string{"direct", "nginx", "caddy"} {
		k := "gatehouse/" + other
		if r, ok := rep.Ratios[k]; ok {
			fmt.Fprintf(w, "%-18s %8s %15s\n", k, optf(r.RPS, "%.2f"), optf(r.RPSPerProxyCore, "%.2f"))
		}
	}
}

// ms formats milliseconds with enough precision for sub-millisecond values.
func ms(v float64) string {
	if v < 10 {
		return strconv.FormatFloat(math.Round(v*1000)/1000, 'f', 3, 64) + "ms"
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + "ms"
}

func optf(v *float64, format string) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf(format, *v)
}
