package config

import (
	"errors"
	"io/fs"
	"reflect"
	"strings"
	"testing"
)

func mustParse(t *testing.T, src string) *Config {
	t.Helper()
	c, err := testLoader.Parse([]byte(src), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestDefaultsApplied(t *testing.T) {
	c := mustParse(t, `
services:
  - name: app
    targets: [{url: "http://app:3000"}, {url: "http://app2:3000", weight: 0}]
routes:
  - service: app
  - service: app
    name: named
`)
	want := Listener{
		Name: DefaultListenerName, Addr: DefaultListenerAddr,
		Timeouts: ServerTimeouts{
			ReadHeader: DefaultReadHeaderTimeout, Read: DefaultReadTimeout,
			Write: DefaultWriteTimeout, Idle: DefaultIdleTimeout,
		},
		MaxHeaderBytes: DefaultMaxHeaderBytes, MaxHeaderCount: DefaultMaxHeaderCount,
		HealthPath: DefaultHealthPath, DrainTimeout: DefaultDrainTimeout,
		HTTP2: HTTP2{MaxConcurrentStreams: DefaultH2MaxConcurrentStreams,
			InitialStreamWindowBytes: DefaultH2WindowBytes, InitialConnWindowBytes: DefaultH2WindowBytes},
		HTTP3: HTTP3{Addr: DefaultListenerAddr},
	}
	if !reflect.DeepEqual(c.Listeners, []Listener{want}) {
		t.Errorf("listeners = %+v, want [%+v]", c.Listeners, want)
	}
	s := c.Services[0]
	for i, tg := range s.Targets {
		if tg.Weight != DefaultWeight {
			t.Errorf("targets[%d].weight = %d, want %d", i, tg.Weight, DefaultWeight)
		}
	}
	wantUp := UpstreamTimeouts{Connect: DefaultConnectTimeout, Response: DefaultResponseTimeout, Idle: DefaultUpstreamIdleTimeout}
	if s.Timeouts != wantUp {
		t.Errorf("service timeouts = %+v, want %+v", s.Timeouts, wantUp)
	}
	if s.Pool != (Pool{MaxIdle: DefaultPoolMaxIdle, MaxConns: DefaultPoolMaxConns}) {
		t.Errorf("pool = %+v", s.Pool)
	}
	if c.Routes[0].Name != "route-0" || c.Routes[1].Name != "named" {
		t.Errorf("route names = %q, %q", c.Routes[0].Name, c.Routes[1].Name)
	}
	if c.Paths.EncodedSeparators != EncodedSeparatorsReject || c.AccessLog.Output != AccessLogStdout {
		t.Errorf("paths/access_log = %+v / %+v", c.Paths, c.AccessLog)
	}
}

func TestSecondListenerDefaultName(t *testing.T) {
	c := mustParse(t, `listeners: [{addr: ":1"}, {addr: ":2"}]`)
	if c.Listeners[0].Name != "public" || c.Listeners[1].Name != "listener-1" {
		t.Errorf("names = %q, %q", c.Listeners[0].Name, c.Listeners[1].Name)
	}
}

func TestFullExampleValues(t *testing.T) {
	c, err := testLoader.Load("testdata/valid/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r := c.Routes[0]
	if !reflect.DeepEqual(r.Match.Methods, []string{"GET", "HEAD"}) {
		t.Errorf("methods not upper-cased: %q", r.Match.Methods)
	}
	if p := r.Match.Headers[1].Present; p == nil || *p {
		t.Errorf("present = %v, want pointer to false", p)
	}
	if got := c.Listeners[0].Timeouts.Idle.String(); got != "2m30s" {
		t.Errorf("idle = %s", got)
	}
	if c.Listeners[1].HealthPath != HealthPathOff {
		t.Errorf("health_path = %q", c.Listeners[1].HealthPath)
	}
	if c.Routes[2].Name != "route-2" {
		t.Errorf("default name = %q", c.Routes[2].Name)
	}
	raw, ok := r.Policies["request_headers"]
	if !ok || raw.Path != "routes[0].policies.request_headers" || raw.Node == nil {
		t.Fatalf("raw policy = %+v", raw)
	}
	var settings struct {
		Set map[string]string `yaml:"set"`
	}
	if errs := Decode(raw.Node, raw.Path, &settings); errs != nil || settings.Set["X-Gateway"] != "gatehouse" {
		t.Errorf("decode policy: %v %+v", errs, settings)
	}
}

func TestMergeKeys(t *testing.T) {
	c, err := testLoader.Load("testdata/valid/anchors.yaml")
	if err != nil {
		t.Fatal(err)
	}
	orders, users := c.Services[0], c.Services[1]
	if orders.Pool.MaxIdle != 32 || users.Pool.MaxIdle != 8 {
		t.Errorf("max_idle = %d, %d; want 32 (merged), 8 (overridden)", orders.Pool.MaxIdle, users.Pool.MaxIdle)
	}
	if users.Timeouts.Connect.String() != "1s" {
		t.Errorf("merged connect = %s", users.Timeouts.Connect)
	}
	for i, r := range c.Routes {
		if _, ok := r.Policies["jwt"]; !ok {
			t.Errorf("routes[%d] lacks the aliased jwt policy", i)
		}
	}
}

func TestLocate(t *testing.T) {
	c := mustParse(t, `services:
  - name: a
    targets: [{url: "http://a"}]
routes:
  - service: a
    policies:
      request_headers:
        set: {X-Gateway: gatehouse}
policies:
  cors:
    allow_origins: ["https://app.example.com"]
`)
	got := c.Locate([]FieldError{
		{Path: "routes[0].policies.request_headers.set.X-Gateway", Msg: "exact"},
		{Path: "routes[0].policies.request_headers.remove", Msg: "missing: parent"},
		{Path: "policies.cors.allow_origins[0]", Msg: "list item"},
		{Path: "nowhere.at.all", Msg: "root"},
		{Path: "routes[0]", Line: 99, Col: 7, Msg: "kept"},
	})
	want := [][2]int{{8, 26}, {8, 9}, {11, 21}, {1, 1}, {99, 7}}
	for i, fe := range got {
		if fe.Line != want[i][0] || fe.Col != want[i][1] {
			t.Errorf("%s: at %d:%d, want %d:%d", fe.Msg, fe.Line, fe.Col, want[i][0], want[i][1])
		}
	}
}

func TestLocateWithoutIndex(t *testing.T) {
	c := &Config{}
	errs := []FieldError{{Path: "routes[0]", Msg: "x"}}
	if got := c.Locate(errs); got[0].Line != 0 {
		t.Errorf("a Config not from Parse gained a position: %+v", got[0])
	}
}

// TestValidateBuiltInCode checks Validate on a Config made in code: no
// positions, so messages refer to other places by path.
func TestValidateBuiltInCode(t *testing.T) {
	c := &Config{Services: []Service{
		{Name: "a", Targets: []Target{{URL: "http://a"}}},
		{Name: "a", Targets: []Target{{URL: "http://a"}}},
	}}
	errs := c.Validate()
	if len(errs) != 1 || errs[0].Error() != `services[1].name: duplicate service name "a" (first at services[0].name)` {
		t.Errorf("errs = %v", errs)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load("testdata/does-not-exist.yaml")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("err = %v, want a not-exist error", err)
	}
}

func TestErrorsAreSortedAndComplete(t *testing.T) {
	_, err := testLoader.Parse([]byte("routes:\n  - service: nope\nservices:\n  - name: x\n    targets: []\n"), "f.yaml")
	var errs *Errors
	if !errors.As(err, &errs) {
		t.Fatalf("err = %v", err)
	}
	want := "f.yaml:2:14: routes[0].service: unknown service \"nope\"\n" +
		"f.yaml:5:14: services[0].targets: at least one target is required"
	if err.Error() != want {
		t.Errorf("got\n%s\nwant\n%s", err, want)
	}
}

func TestNullMeansUnset(t *testing.T) {
	c := mustParse(t, "listeners:\naccess_log:\n  output: ~\nservices: null\n")
	if len(c.Listeners) != 1 || c.AccessLog.Output != AccessLogStdout {
		t.Errorf("null did not fall back to defaults: %+v %+v", c.Listeners, c.AccessLog)
	}
}

func TestErrorFormatWithoutPosition(t *testing.T) {
	e := &Errors{File: "f", List: []FieldError{{Path: "a", Msg: "b"}}}
	if !strings.Contains(e.Error(), "f: a: b") {
		t.Errorf("got %q", e.Error())
	}
}
