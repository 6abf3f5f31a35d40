package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/runtime"
)

const explainHelp = `Usage: gatehouse explain -c FILE [-H 'Name: value']... [-json] METHOD PATH

Shows what the gateway serving FILE would do with one request, without
sending it: the normalised path, every route and why it matched or not,
the chosen route, its policy chain in run order with settings (secrets
redacted), and the target pool. Flags may also follow METHOD and PATH.

  gatehouse explain -c gatehouse.yaml GET /api/orders -H 'Host: shop.example.com'`

// headerFlags collects repeated -H values.
type headerFlags []string

func (h *headerFlags) String() string     { return strings.Join(*h, ", ") }
func (h *headerFlags) Set(v string) error { *h = append(*h, v); return nil }

func explainCmd(args []string, stdout, stderr io.Writer) int {
	f := newFlags("explain", explainHelp, stdout, stderr)
	file := f.String("c", "", "config file (required)")
	asJSON := f.Bool("json", false, "print JSON instead of text")
	listener := f.String("listener", "", "listener to explain for (default: the first)")
	var headers headerFlags
	f.Var(&headers, "H", "request header 'Name: value' (repeatable; Host sets the host)")
	// Positionals may sit between flags: parse, take them, parse the rest.
	var pos []string
	for {
		if code, done := f.parse(args); done {
			return code
		}
		if f.NArg() == 0 {
			break
		}
		pos = append(pos, f.Arg(0))
		args = f.Args()[1:]
	}
	if *file == "" || len(pos) != 2 {
		fmt.Fprintln(stderr, "gatehouse explain: -c FILE, METHOD and PATH are required")
		return 2
	}
	req, err := explainRequest(pos[0], pos[1], headers)
	if err != nil {
		fmt.Fprintf(stderr, "gatehouse explain: %v\n", err)
		return 2
	}
	cfg, err := config.Load(*file)
	if err != nil {
		printConfigError(stderr, *file, err)
		return 1
	}
	rt, err := runtime.Build(cfg, *file, runtime.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		printConfigError(stderr, *file, err)
		return 1
	}
	defer rt.Close()
	name := *listener
	if name == "" {
		name = cfg.Listeners[0].Name
	}
	ex := rt.Explain(name, req)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(ex)
		return 0
	}
	printExplanation(stdout, ex)
	return 0
}

// explainRequest builds the request to explain; the path is taken as
// sent on the wire, so percent-encodings and dot segments are kept for
// the normaliser to judge.
func explainRequest(method, target string, headers []string) (*http.Request, error) {
	if !strings.HasPrefix(target, "/") {
		return nil, fmt.Errorf("PATH must start with \"/\": %q", target)
	}
	req, err := http.NewRequest(strings.ToUpper(method), "http://localhost", nil)
	if err != nil {
		return nil, err
	}
	req.RequestURI = target
	if u, err := url.ParseRequestURI(target); err == nil {
		req.URL = u
	} else {
		// Keep an unparsable path for the normaliser to reject.
		req.URL.Path, req.URL.RawQuery, _ = strings.Cut(target, "?")
	}
	req.Host = "localhost"
	for _, h := range headers {
		k, v, ok := strings.Cut(h, ":")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("-H %q: want 'Name: value'", h)
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if strings.EqualFold(k, "Host") {
			req.Host = v
			continue
		}
		req.Header.Add(k, v)
	}
	return req, nil
}

func printExplanation(w io.Writer, ex *runtime.Explanation) {
	fmt.Fprintf(w, "request:         %s %s (host %s)\n", ex.Method, ex.Target, ex.Host)
	if ex.PathError != "" {
		fmt.Fprintf(w, "normalised path: rejected: %s\nanswer:          400\n", ex.PathError)
		return
	}
	fmt.Fprintf(w, "normalised path: %s\n", ex.Path)
	if ex.HostError != "" {
		fmt.Fprintf(w, "host:            rejected: %s\nanswer:          400\n", ex.HostError)
		return
	}
	if ex.Health {
		fmt.Fprintln(w, "answer:          200 from the health endpoint (not proxied)")
		return
	}
	fmt.Fprintln(w, "\nroutes (config order):")
	for _, c := range ex.Routes {
		mark := "✗"
		if c.Matched {
			mark = "✓"
		}
		fmt.Fprintf(w, "  %s routes[%d] %s\n", mark, c.Index, c.Name)
		for _, why := range c.Why {
			fmt.Fprintf(w, "      %s\n", why)
		}
	}
	if ex.Chosen == nil {
		fmt.Fprintf(w, "\nchosen:          none; answer %d", ex.Status)
		if ex.Allow != "" {
			fmt.Fprintf(w, " with Allow: %s", ex.Allow)
		}
		fmt.Fprintln(w)
		if len(ex.PreRoute) > 0 {
			fmt.Fprintln(w, "unless a pre-route policy answers first (a CORS preflight, a refused IP):")
			printSteps(w, ex.PreRoute)
		}
		return
	}
	c := ex.Chosen
	fmt.Fprintf(w, "\nchosen:          %s → service %s\n", c.Name, c.Service)
	if len(c.Captures) > 0 {
		fmt.Fprintf(w, "captures:        %s\n", strings.Join(c.Captures, " "))
	}
	fmt.Fprintf(w, "upstream path:   %s\n", c.Upstream)
	fmt.Fprintln(w, "\npolicy chain (run order):")
	// Pre-route policies judge the request as sent, before the identity
	// headers are removed.
	pre := 0
	for pre < len(c.Policies) && c.Policies[pre].Phase == "pre-route" {
		pre++
	}
	printSteps(w, c.Policies[:pre])
	if len(c.Removed) > 0 {
		when := "first"
		if pre > 0 {
			when = "then"
		}
		fmt.Fprintf(w, "  %s: remove client-sent %s\n", when, strings.Join(c.Removed, ", "))
	}
	if len(c.Policies) == 0 {
		fmt.Fprintln(w, "  (none)")
	}
	printSteps(w, c.Policies[pre:])
	fmt.Fprintf(w, "\ntargets (%s):\n", orDefault(c.Balance, "round_robin"))
	for _, t := range c.Targets {
		fmt.Fprintf(w, "  %s\n", t)
	}
	for _, warn := range ex.Warnings {
		fmt.Fprintf(w, "\nwarning: %s\n", warn)
	}
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func printSteps(w io.Writer, steps []runtime.PolicyStep) {
	for _, p := range steps {
		settings, _ := json.Marshal(p.Settings)
		fmt.Fprintf(w, "  %-15s %-18s from %s\n      %s\n", p.Phase, p.Name, p.From, settings)
	}
}
