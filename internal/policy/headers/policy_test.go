package headers

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/pipeline"
)

// decode decodes one policy's YAML settings the way a config load does.
func decode(t testing.TB, name, settings string) ([]pipeline.Decoded, []config.FieldError) {
	t.Helper()
	var node yaml.Node
	if err := yaml.Unmarshal([]byte(settings), &node); err != nil {
		t.Fatal(err)
	}
	at := config.Path("routes[0].policies." + name)
	return pipeline.Decode(config.Policies{name: {Path: at, Node: node.Content[0]}})
}

func build(t *testing.T, name, settings string) pipeline.Policy {
	t.Helper()
	ds, errs := decode(t, name, settings)
	if len(errs) > 0 {
		t.Fatalf("%s %s: %v", name, settings, errs)
	}
	p, err := ds[0].Spec.Build(pipeline.BuildContext{Path: ds[0].Path})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var testState = &pipeline.State{RequestID: "rid-7", ClientIP: "198.51.100.7", Route: "orders", Service: "orders-svc", Host: "api.test", Path: "/api/x", Scheme: "https"}

func TestRequestHeaders(t *testing.T) {
	cases := []struct {
		name     string
		settings string
		in, want http.Header
	}{
		{"set replaces every value", `{set: {x-team: "{route}"}}`,
			http.Header{"X-Team": {"a", "b"}}, http.Header{"X-Team": {"orders"}}},
		{"add appends", `{add: {X-Via: "gw {request_id}"}}`,
			http.Header{"X-Via": {"edge"}}, http.Header{"X-Via": {"edge", "gw rid-7"}}},
		{"remove, case-insensitively", `{remove: [x-debug, X-Missing]}`,
			http.Header{"X-Debug": {"1"}, "X-Keep": {"1"}}, http.Header{"X-Keep": {"1"}}},
		{"rename keeps all values", `{rename: {x-old: x-new}}`,
			http.Header{"X-Old": {"1", "2"}}, http.Header{"X-New": {"1", "2"}}},
		{"rename of an absent header does nothing", `{rename: {X-Old: X-New}}`,
			http.Header{"X-Other": {"1"}}, http.Header{"X-Other": {"1"}}},
		{"rename replaces the target", `{rename: {X-Old: X-New}}`,
			http.Header{"X-Old": {"1"}, "X-New": {"spoofed"}}, http.Header{"X-New": {"1"}}},
		{"order is remove, rename, set, add", `{remove: [X-A], rename: {X-B: X-A}, set: {X-A: "set"}, add: {X-A: "added"}}`,
			http.Header{"X-A": {"orig"}, "X-B": {"b"}}, http.Header{"X-A": {"set", "added"}}},
		{"a client cannot spoof a set header", `{set: {X-Client-IP: "{client_ip}"}}`,
			http.Header{"X-Client-Ip": {"6.6.6.6"}}, http.Header{"X-Client-Ip": {"198.51.100.7"}}},
		{"templates see other headers", `{set: {X-Tenant-Copy: "t={header.X-Tenant}"}}`,
			http.Header{"X-Tenant": {"acme"}}, http.Header{"X-Tenant": {"acme"}, "X-Tenant-Copy": {"t=acme"}}},
		{"every placeholder", `{set: {X-All: "{request_id} {client_ip} {route} {service} {method} {scheme} {host} {path}"}}`,
			http.Header{}, http.Header{"X-All": {"rid-7 198.51.100.7 orders orders-svc GET https api.test /api/x"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := build(t, "request_headers", c.settings)
			r := pipeline.WithState(httptest.NewRequest("GET", "/api/x", nil), testState)
			r.Header = c.in
			var nextSaw http.Header
			err := p.Handle(httptest.NewRecorder(), r, func(w http.ResponseWriter, r *http.Request) error {
				nextSaw = r.Header.Clone()
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(nextSaw, c.want) {
				t.Fatalf("headers %v; want %v", nextSaw, c.want)
			}
		})
	}
}

func TestResponseHeaders(t *testing.T) {
	p := build(t, "response_headers", `{remove: [Server, X-Powered-By], set: {X-Request-Served-By: "{route}"}, add: {Vary: Origin}}`)
	rp, ok := p.(pipeline.ResponsePolicy)
	if !ok {
		t.Fatal("response_headers does not act on responses")
	}
	// It leaves the request alone.
	r := pipeline.WithState(httptest.NewRequest("GET", "/", nil), testState)
	r.Header.Set("Server", "client-sent")
	p.Handle(httptest.NewRecorder(), r, func(http.ResponseWriter, *http.Request) error { return nil })
	if r.Header.Get("Server") != "client-sent" {
		t.Fatal("response_headers changed the request")
	}
	resp := &http.Response{Request: r, Header: http.Header{"Server": {"nginx"}, "X-Powered-By": {"php"}, "Vary": {"Accept"}, "Content-Type": {"text/plain"}}}
	if err := rp.ModifyResponse(resp, testState); err != nil {
		t.Fatal(err)
	}
	want := http.Header{"Vary": {"Accept", "Origin"}, "Content-Type": {"text/plain"}, "X-Request-Served-By": {"orders"}}
	if !reflect.DeepEqual(resp.Header, want) {
		t.Fatalf("response headers %v; want %v", resp.Header, want)
	}
}

func TestDecodeErrorsAtExactPaths(t *testing.T) {
	cases := []struct {
		name, policy, settings string
		want                   []string // "path: message substring"
	}{
		{"unknown key suggests", "request_headers", `{sett: {X-A: "1"}}`,
			[]string{`routes[0].policies.request_headers.sett: `, `did you mean "set"`}},
		{"reserved in set", "request_headers", `{set: {content-length: "1"}}`,
			[]string{`routes[0].policies.request_headers.set.content-length: header "content-length" cannot be changed: it is set by the proxy from the body`}},
		{"host is reserved", "request_headers", `{set: {Host: evil.test}}`,
			[]string{`routes[0].policies.request_headers.set.Host: header "Host" cannot be changed`}},
		{"proxy- headers are hop-by-hop", "request_headers", `{remove: [X-A, Proxy-Authorization]}`,
			[]string{`routes[0].policies.request_headers.remove[1]: header "Proxy-Authorization" cannot be changed: it is a hop-by-hop header`}},
		{"transfer-encoding in a response", "response_headers", `{add: {Transfer-Encoding: chunked}}`,
			[]string{`routes[0].policies.response_headers.add.Transfer-Encoding: header "Transfer-Encoding" cannot be changed: it is a hop-by-hop header`}},
		{"rename onto a reserved name", "request_headers", `{rename: {X-A: Upgrade}}`,
			[]string{`routes[0].policies.request_headers.rename.X-A: header "Upgrade" cannot be changed`}},
		{"bad name characters", "request_headers", `{set: {"X:A": "1"}}`,
			[]string{`routes[0].policies.request_headers.set.X:A: invalid header name "X:A"`}},
		{"empty name", "request_headers", `{remove: [""]}`,
			[]string{`routes[0].policies.request_headers.remove[0]: invalid header name ""`}},
		{"non-ASCII name", "request_headers", `{remove: ["X-Ünï"]}`,
			[]string{`routes[0].policies.request_headers.remove[0]: invalid header name`}},
		{"CRLF in a value", "request_headers", `{set: {X-A: "a\r\nX-Injected: 1"}}`,
			[]string{`routes[0].policies.request_headers.set.X-A: value must not contain CR, LF or NUL`}},
		{"NUL in a value", "response_headers", `{add: {X-A: "a\u0000b"}}`,
			[]string{`routes[0].policies.response_headers.add.X-A: value must not contain CR, LF or NUL`}},
		{"unknown placeholder", "request_headers", `{set: {X-A: "{user}"}}`,
			[]string{`routes[0].policies.request_headers.set.X-A: `, `user`}},
		{"nothing to do", "response_headers", `{}`,
			[]string{`routes[0].policies.response_headers: needs at least one of remove, rename, set, add`}},
		{"several errors at once", "request_headers", `{remove: [Connection], set: {X-A: "{nope}"}}`,
			[]string{`routes[0].policies.request_headers.remove[0]: `, `routes[0].policies.request_headers.set.X-A: `}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, errs := decode(t, c.policy, c.settings)
			var got []string
			for _, e := range errs {
				got = append(got, e.Error())
			}
			all := strings.Join(got, "\n")
			if len(errs) == 0 {
				t.Fatalf("%s accepted; want errors %v", c.settings, c.want)
			}
			for _, w := range c.want {
				if !strings.Contains(all, w) {
					t.Errorf("errors:\n%s\nwant one containing %q", all, w)
				}
			}
		})
	}
}
