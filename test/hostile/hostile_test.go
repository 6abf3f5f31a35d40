// Package hostile drives the real gateway against scripted raw-TCP
// services that misbehave on keep-alive connections (bodies where none
// belong, bytes past the end of a response or on an idle connection,
// requests left unread, malformed framing) and checks that no client is
// ever handed an answer meant for another request.
//
// Each scripted service runs behind the gateway three times: with the
// default lean HTTP/1.1 transport, with pool.max_conns set (the lean
// transport with a connection cap), and with net/http's Transport
// (GATEHOUSE_UPSTREAM_CLIENT=std) as a differential reference. The lean
// runs must be free of cross-talk, give well-formed services' answers
// intact and refuse the oversized ones. The reference is only logged:
// net/http's Transport pools a connection before it can see bytes sent
// right after a response, and this bench catches it handing those to the
// next request now and then.
//
// FuzzHostileScript composes such services from its input; its seeds run
// with the ordinary tests, and go test -fuzz=FuzzHostileScript
// ./test/hostile explores further.
package hostile

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/gateway"
	"github.com/gatehouse/gatehouse/internal/telemetry"
)

// TestMain silences the standard logger: net/http's Transport logs every
// unsolicited response it drops, and the scripts send many.
func TestMain(m *testing.M) {
	log.SetOutput(io.Discard)
	os.Exit(m.Run())
}

// transportMode picks the gateway's upstream transport for a service.
type transportMode string

const (
	lean      transportMode = "lean"      // the default: the lean HTTP/1.1 transport
	capped    transportMode = "capped"    // pool.max_conns set: the lean transport with a cap
	reference transportMode = "reference" // net/http's Transport, for comparison
)

// envMu serialises the environment switch that picks the reference
// transport while a gateway is built.
var envMu sync.Mutex

// startGateway serves one route to the service at addr on 127.0.0.1:0
// and returns the gateway's address. It is shut down when the test ends.
func startGateway(t testing.TB, addr string, mode transportMode, response time.Duration) string {
	t.Helper()
	poolLine := ""
	if mode == capped {
		poolLine = "    pool: {max_conns: 64}\n"
	}
	yaml := fmt.Sprintf(`listeners:
  - name: public
    addr: "127.0.0.1:0"
services:
  - name: scripted
    targets: [{url: "http://%s"}]
    timeouts: {connect: 1s, response: %s, idle: 10s}
%sroutes:
  - name: all
    match: {path_prefix: /}
    service: scripted
`, addr, response, poolLine)
	cfg, err := config.Parse([]byte(yaml), "hostile.yaml")
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	envMu.Lock()
	if mode == reference {
		os.Setenv("GATEHOUSE_UPSTREAM_CLIENT", "std")
	}
	g, err := gateway.New(cfg, gateway.Options{
		File:      "hostile.yaml",
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		AccessLog: telemetry.NewAccessLog(io.Discard, nil),
	})
	os.Unsetenv("GATEHOUSE_UPSTREAM_CLIENT")
	envMu.Unlock()
	if err != nil {
		t.Fatalf("gateway: %v", err)
	}
	if err := g.Start(); err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		g.Shutdown(ctx)
	})
	return g.Addr(cfg.Listeners[0].Name).String()
}

const (
	defaultWorkers   = 16
	defaultPerWorker = 6
	runBound         = 20 * time.Second // the whole of one run
	requestTimeout   = 8 * time.Second  // one request, client side
	upstreamResponse = 4 * time.Second  // the service's response timeout
)

// outcome is one run's result for the differential report.
type outcome struct {
	mode      transportMode
	keepAlive bool
	tally     *tally
}

// TestHostile runs every script through the gateway in both transport
// modes, with fresh and keep-alive client connections.
func TestHostile(t *testing.T) {
	var mu sync.Mutex
	report := map[string][]outcome{}
	t.Run("script", func(t *testing.T) {
		for _, sc := range scripts() {
			t.Run(sc.name, func(t *testing.T) {
				if !sc.serial {
					t.Parallel()
				}
				for _, mode := range []transportMode{lean, capped, reference} {
					for _, keepAlive := range []bool{false, true} {
						name := string(mode) + "/fresh-conns"
						if keepAlive {
							name = string(mode) + "/keep-alive"
						}
						t.Run(name, func(t *testing.T) {
							tl := runScript(t, sc, mode, keepAlive)
							mu.Lock()
							report[sc.name] = append(report[sc.name], outcome{mode, keepAlive, tl})
							mu.Unlock()
						})
					}
				}
			})
		}
	})
	logDifferences(t, report)
}

// runScript drives one scripted service through one gateway and asserts
// the absence of cross-talk and, in lean mode, the script's expectation.
func runScript(t *testing.T, sc script, mode transportMode, keepAlive bool) *tally {
	svc := startScript(t, sc.serve, 3*time.Second)
	addr := startGateway(t, svc.Addr(), mode, upstreamResponse)
	l := load{
		workers: sc.workers, perWorker: sc.perWorker,
		keepAlive: keepAlive, bigPost: sc.bigPost, gap: sc.gap, timeout: requestTimeout,
	}
	if l.workers == 0 {
		l.workers = defaultWorkers
	}
	if l.perWorker == 0 {
		l.perWorker = defaultPerWorker
	}
	ctx, cancel := context.WithTimeout(context.Background(), runBound)
	defer cancel()
	start := time.Now()
	tl := drive(ctx, addr, svc.secret, l)
	t.Logf("%d of %d requests in %v: %s", tl.sent, l.workers*l.perWorker, time.Since(start).Round(time.Millisecond), tl.summary())

	report := t.Errorf
	if mode == reference {
		report = t.Logf
	}
	for i, p := range tl.problems {
		if i == 5 {
			report("… and %d more", len(tl.problems)-i)
			break
		}
		report("%s", p)
	}
	if mode == reference || sc.want == 0 {
		return tl
	}
	total := l.workers * l.perWorker
	if tl.sent != total {
		t.Errorf("only %d of %d requests sent within %v: %s", tl.sent, total, runBound, tl.summary())
	}
	if n := tl.statuses[fmt.Sprint(sc.want)]; n != tl.sent {
		t.Errorf("want every request answered %d; got %s", sc.want, tl.summary())
	}
	return tl
}

// logDifferences logs, per script, the outcomes of the two transports
// and whether their status classes differ.
func logDifferences(t *testing.T, report map[string][]outcome) {
	names := make([]string, 0, len(report))
	for n := range report {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("lean transport against net/http's (reference):\n")
	for _, n := range names {
		classes := map[transportMode]map[string]bool{lean: {}, capped: {}, reference: {}}
		var line strings.Builder
		for _, o := range report[n] {
			conn := "fresh"
			if o.keepAlive {
				conn = "keep-alive"
			}
			fmt.Fprintf(&line, "    %s/%s: %s", o.mode, conn, o.tally.summary())
			if len(o.tally.problems) > 0 {
				fmt.Fprintf(&line, " (%d wrong answers)", len(o.tally.problems))
			}
			line.WriteString("\n")
			for _, c := range strings.Split(o.tally.classes(), ",") {
				classes[o.mode][c] = true
			}
			if len(o.tally.problems) > 0 {
				classes[o.mode]["wrong-answer"] = true
			}
		}
		verdict := "same status classes"
		if fmt.Sprint(classes[lean]) != fmt.Sprint(classes[reference]) {
			verdict = "DIFFERENT status classes"
		}
		fmt.Fprintf(&b, "  %s: %s\n%s", n, verdict, line.String())
	}
	t.Log(b.String())
}
