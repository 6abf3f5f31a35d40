package hostile

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Every request carries a marker unique in the process: mk, a random
// run nonce (so no fuzz input can forge one), a dash and a sequence.
var (
	runNonce = nonce()
	markerRE = regexp.MustCompile(`mk[0-9a-f]{8}-[0-9]{8}`)
	markerN  atomic.Int64
)

func nonce() string {
	b := make([]byte, 4)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func newMarker() string {
	return fmt.Sprintf("mk%s-%08d", runNonce, markerN.Add(1))
}

// smuggledRequests is every POST body: two requests for the secret path
// that a service which does not read bodies takes for the next requests
// on the connection.
const smuggledRequests = "GET /internal/secret HTTP/1.1\r\nHost: upstream\r\nX-Marker: evil\r\n\r\n" +
	"GET /secret HTTP/1.1\r\nX-Marker: evil\r\n\r\n"

// load is how a run drives the gateway.
type load struct {
	workers, perWorker int
	keepAlive          bool          // keep-alive clients; else a new connection per request
	bigPost            bool          // pad POST bodies to 256 KiB
	gap                time.Duration // if set, requests go in rounds with this pause between
	timeout            time.Duration // per request
}

// tally is what a run saw.
type tally struct {
	mu       sync.Mutex
	sent     int
	statuses map[string]int // "200", "502", "error", "timeout"
	problems []string       // cross-talk and wrong answers
}

func (t *tally) add(status, problem string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sent++
	t.statuses[status]++
	if problem != "" {
		t.problems = append(t.problems, problem)
	}
}

// summary lists the outcomes in a stable order, e.g. "200×90 502×38".
func (t *tally) summary() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return histogram(t.statuses)
}

func histogram(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s×%d", k, m[k]))
	}
	return strings.Join(parts, " ")
}

// classes are the outcomes by status class: 2xx, 5xx, error, ...
func (t *tally) classes() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := map[string]int{}
	for k, n := range t.statuses {
		if len(k) == 3 && k[0] >= '1' && k[0] <= '5' {
			k = k[:1] + "xx"
		}
		m[k] += n
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, ",")
}

// drive sends workers×perWorker requests through the gateway at addr,
// workers at a time, each with its own marker, until done or ctx ends,
// and checks every answer against its request. secret is the scripted
// service's secret, which no client may ever see.
func drive(ctx context.Context, addr, secret string, l load) *tally {
	tr := &http.Transport{
		Proxy:               nil,
		DisableCompression:  true,
		DisableKeepAlives:   !l.keepAlive,
		MaxIdleConnsPerHost: l.workers,
		DialContext:         (&net.Dialer{Timeout: time.Second}).DialContext,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{
		Transport: tr,
		Timeout:   l.timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	methods := []string{"GET", "HEAD", "POST"}
	tl := &tally{statuses: map[string]int{}}
	one := func(w, i int) {
		method := methods[(w+i)%len(methods)]
		status, problem := roundTrip(ctx, client, addr, method, secret, l.bigPost)
		tl.add(status, problem)
	}
	if l.gap > 0 {
		// In rounds: every client sends one request, all are answered,
		// then all pause.
		for i := range l.perWorker {
			if i > 0 {
				select {
				case <-ctx.Done():
				case <-time.After(l.gap):
				}
			}
			if ctx.Err() != nil {
				break
			}
			quietSince.Store(0)
			var wg sync.WaitGroup
			for w := range l.workers {
				wg.Go(func() { one(w, i) })
			}
			wg.Wait()
			quietSince.Store(time.Now().UnixNano())
		}
		quietSince.Store(0)
		return tl
	}
	var wg sync.WaitGroup
	for w := range l.workers {
		wg.Go(func() {
			for i := range l.perWorker {
				if ctx.Err() != nil {
					return
				}
				one(w, i)
			}
		})
	}
	wg.Wait()
	return tl
}

// quietSince is when the driver's clients last went quiet between
// rounds (unix nanoseconds), 0 while a round is under way.
var quietSince atomic.Int64

// roundTrip sends one request and judges the answer. It returns the
// status (or "error"/"timeout") and a description of what is wrong with
// the answer, empty when nothing is.
func roundTrip(ctx context.Context, client *http.Client, addr, method, secret string, bigPost bool) (string, string) {
	m := newMarker()
	var body io.Reader
	if method == "POST" {
		b := smuggledRequests
		if bigPost {
			b += strings.Repeat("x", 256<<10)
		}
		body = strings.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://"+addr+"/r/"+m+"?m="+m, body)
	if err != nil {
		return "error", "building request: " + err.Error()
	}
	req.Header.Set("X-Marker", m)
	resp, err := client.Do(req)
	if err != nil {
		var ne net.Error
		if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
			return "timeout", ""
		}
		return "error", ""
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	status := fmt.Sprint(resp.StatusCode)
	if problem := judge(method, m, secret, resp, got); problem != "" {
		return status, problem
	}
	if err != nil {
		// The status came, the body broke off: a transport error, and
		// the part read was judged above.
		return "error", ""
	}
	return status, ""
}

// judge says what is wrong with resp (body got) as the answer to the
// request with marker own, or "" when nothing is. Markers of other
// requests and the secret must never appear; an answer from the service
// (status below 400) must carry own, in its X-Marker and, when it has a
// body, in the body.
func judge(method, own, secret string, resp *http.Response, got []byte) string {
	where := fmt.Sprintf("%s %s: %d", method, own, resp.StatusCode)
	if bytes.Contains(got, []byte(secret)) {
		return where + ": secret in the body " + quote(got)
	}
	for _, mk := range markerRE.FindAll(got, -1) {
		if string(mk) != own {
			return where + ": cross-talk, another request's marker " + string(mk) + " in the body " + quote(got)
		}
	}
	for k, vv := range resp.Header {
		for _, v := range vv {
			if strings.Contains(v, secret) {
				return where + ": secret in header " + k
			}
			for _, mk := range markerRE.FindAllString(v, -1) {
				if mk != own {
					return where + ": cross-talk, another request's marker " + mk + " in header " + k
				}
			}
		}
	}
	xm, has := resp.Header["X-Marker"]
	if has && (len(xm) != 1 || xm[0] != own) {
		return fmt.Sprintf("%s: cross-talk, X-Marker %q", where, xm)
	}
	if resp.StatusCode < 400 {
		if !has {
			return where + ": answer without the request's marker, body " + quote(got)
		}
		noBody := method == "HEAD" || resp.StatusCode == 204 || resp.StatusCode == 304
		if !noBody && resp.StatusCode < 300 && !bytes.Contains(got, []byte(own)) {
			return where + ": wrong body " + quote(got)
		}
	}
	return ""
}

func quote(b []byte) string {
	if len(b) > 160 {
		return fmt.Sprintf("%q…", b[:160])
	}
	return fmt.Sprintf("%q", b)
}
