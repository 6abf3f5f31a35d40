package versioning

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"gopkg.in/yaml.v3"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/metrics"
	"github.com/gatehouse/gatehouse/internal/pipeline"
)

func build(t testing.TB, settings string) pipeline.Policy {
	t.Helper()
	var node yaml.Node
	if err := yaml.Unmarshal([]byte(settings), &node); err != nil {
		t.Fatal(err)
	}
	ds, errs := pipeline.Decode(config.Policies{"api_versioning": {Path: "routes[0].policies.api_versioning", Node: node.Content[0]}})
	if len(errs) > 0 {
		t.Fatalf("%s: %v", settings, errs)
	}
	p, err := ds[0].Spec.Build(pipeline.BuildContext{Path: ds[0].Path})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

const versions = `versions: [{name: "1", deprecation: {since: "2026-01-01T00:00:00Z", sunset: "2027-01-01T00:00:00Z", link: "https://dev.example.com/v1", sunset_link: "https://dev.example.com/sunset"}}, {name: "2"}]`

type outcome struct {
	status   int
	version  string // what the service was told
	upstream string // st.UpstreamPath
	header   http.Header
}

func run(t *testing.T, p pipeline.Policy, target string, hdr ...string) outcome {
	t.Helper()
	r := httptest.NewRequest("GET", target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	st := &pipeline.State{Route: "orders", Path: r.URL.Path, Consumer: &pipeline.Consumer{Name: "mobile"}}
	r = pipeline.WithState(r, st)
	w := httptest.NewRecorder()
	o := outcome{}
	err := p.Handle(w, r, func(w http.ResponseWriter, r *http.Request) error {
		o.version = r.Header.Get("X-Api-Version")
		return nil
	})
	o.status = 200
	if err != nil {
		o.status = pipeline.AsError(err).Status
	}
	o.upstream, o.header = st.UpstreamPath, w.Header()
	return o
}

func TestSources(t *testing.T) {
	cases := []struct {
		name, settings, target string
		hdr                    []string
		status                 int
		version, upstream      string
	}{
		{"path", `{source: path, strip_path: true, ` + versions + `}`, "/v2/orders", nil, 200, "2", "/orders"},
		{"path not a version", `{source: path, default: "2", ` + versions + `}`, "/values/1", nil, 200, "2", ""},
		{"path unknown", `{source: path, ` + versions + `}`, "/v9/orders", nil, 400, "", ""},
		{"path none, no default", `{source: path, ` + versions + `}`, "/orders", nil, 400, "", ""},
		{"header", `{source: header, header: X-Version, ` + versions + `}`, "/o", []string{"X-Version", "v2"}, 200, "2", ""},
		{"header default", `{source: header, default: "1", ` + versions + `}`, "/o", nil, 200, "1", ""},
		{"query", `{source: query, ` + versions + `}`, "/o?version=2", nil, 200, "2", ""},
		{"media type", `{source: media_type, vendor: example, ` + versions + `}`, "/o", []string{"Accept", "text/html, application/vnd.example.v2+json; q=0.9"}, 200, "2", ""},
		{"media type default", `{source: media_type, vendor: example, default: "2", ` + versions + `}`, "/o", []string{"Accept", "application/json"}, 200, "2", ""},
		{"client cannot pick by upstream header", `{source: query, default: "2", ` + versions + `}`, "/o", []string{"X-Api-Version", "1"}, 200, "2", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := run(t, build(t, c.settings), c.target, c.hdr...)
			if o.status != c.status || o.version != c.version || o.upstream != c.upstream {
				t.Errorf("got %d version %q path %q; want %d %q %q", o.status, o.version, o.upstream, c.status, c.version, c.upstream)
			}
		})
	}
}

func TestDeprecation(t *testing.T) {
	p := build(t, `{source: header, `+versions+`}`)
	before := testutil.ToFloat64(metrics.DeprecatedAPICalls.WithLabelValues("orders", "1", "mobile"))
	o := run(t, p, "/o", "Api-Version", "1")
	want := http.Header{
		"Deprecation": {"@1767225600"},
		"Sunset":      {"Fri, 01 Jan 2027 00:00:00 GMT"},
		"Link":        {`<https://dev.example.com/v1>; rel="deprecation"; type="text/html"`, `<https://dev.example.com/sunset>; rel="sunset"; type="text/html"`},
	}
	if !reflect.DeepEqual(o.header, want) {
		t.Errorf("headers %v; want %v", o.header, want)
	}
	if got := testutil.ToFloat64(metrics.DeprecatedAPICalls.WithLabelValues("orders", "1", "mobile")); got != before+1 {
		t.Errorf("deprecated calls %v; want %v", got, before+1)
	}
	if o := run(t, p, "/o", "Api-Version", "2"); len(o.header) != 0 {
		t.Errorf("current version got headers %v", o.header)
	}
}
