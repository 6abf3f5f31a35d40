package runtime

import (
	"net/http"

	"gopkg.in/yaml.v3"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/pipeline"
)

// Explanation is what the gateway would do with one request, for
// `gatehouse explain` and the admin API.
type Explanation struct {
	Method string `json:"method"`
	Host   string `json:"host"`
	Target string `json:"target"`
	// Path is the normalised path, or empty with PathError set when the
	// gateway would answer 400.
	Path      string      `json:"normalised_path,omitempty"`
	PathError string      `json:"path_error,omitempty"`
	HostError string      `json:"host_error,omitempty"`
	Health    bool        `json:"health_endpoint,omitempty"`
	Routes    []Candidate `json:"candidates"`
	// Chosen is the route the router picks (by priority among those that
	// matched), nil when none did; Status is then 404 or 405.
	Chosen *Chosen `json:"chosen,omitempty"`
	Status int     `json:"status,omitempty"`
	Allow  string  `json:"allow,omitempty"`
	// PreRoute are the pre-route policies that run when no route takes
	// the request; they may answer before the 404 or 405 does (a CORS
	// preflight gets 204). A chosen route lists its own first among its
	// policies, in phase "pre-route".
	PreRoute []PolicyStep `json:"pre_route,omitempty"`
	// Warnings name routes this request only missed by its method when
	// the chosen route has less authentication than they do.
	Warnings []string `json:"warnings,omitempty"`
}

// Candidate is one route's verdict.
type Candidate struct {
	Name    string   `json:"name"`
	Index   int      `json:"index"`
	Matched bool     `json:"matched"`
	Why     []string `json:"why"`
}

// Chosen is the picked route, its policy chain in run order, and where
// the request would go.
type Chosen struct {
	Name     string       `json:"name"`
	Service  string       `json:"service"`
	Captures []string     `json:"captures,omitempty"`
	Upstream string       `json:"upstream_path"`
	Policies []PolicyStep `json:"policies"`
	// Removed are the identity headers taken from the client's request
	// before the first policy runs.
	Removed []string `json:"removed_headers,omitempty"`
	Balance string   `json:"balance"`
	Targets []string `json:"targets"`
}

// PolicyStep is one policy of the chain with its (redacted) settings.
type PolicyStep struct {
	Phase    string `json:"phase"`
	Name     string `json:"name"`
	From     string `json:"from"`
	Settings any    `json:"settings"`
	// Decision is what the policy would decide for this request, for
	// the policies that can tell (a cache's key and hit or miss).
	Decision map[string]any `json:"decision,omitempty"`
}

// Explain evaluates r on the listener named listener as the gateway
// would, through the same intake as serving, without sending anything
// anywhere. r is not changed (the intake runs on a copy).
func (rt *Runtime) Explain(listener string, r *http.Request) *Explanation {
	l := rt.listeners[listener]
	if l == nil {
		l = defaultListener
	}
	ex := &Explanation{Method: r.Method, Host: r.Host, Target: r.URL.RequestURI(), Routes: []Candidate{}}
	r = r.Clone(r.Context())
	if r.RequestURI == "" {
		r.RequestURI = r.URL.RequestURI()
	}
	st := &pipeline.State{}
	in := rt.intake(l, r, st)
	switch {
	case in.badHost:
		ex.HostError, ex.Status = in.err.Msg, in.err.Status
		return ex
	case in.err != nil:
		ex.Status = in.err.Status
		ex.PathError = in.err.Msg
		return ex
	case in.health:
		ex.Path, ex.Health, ex.Status = st.Path, true, http.StatusOK
		return ex
	}
	ex.Path = st.Path
	verdicts := rt.table.Explain(r, r.Host, st.Path)
	for _, v := range verdicts {
		ex.Routes = append(ex.Routes, Candidate{Name: rt.routes[v.Index].name, Index: v.Index, Matched: v.Matched, Why: v.Why})
	}
	res := in.match
	if res.Index < 0 {
		pre, err := rt.unmatchedPlan(res)
		pe := pipeline.AsError(err)
		ex.Status, ex.Allow = pe.Status, pe.Header.Get("Allow")
		if pre != nil {
			ex.PreRoute = policySteps(pre.Policies)
		}
		return ex
	}
	rte := rt.routes[res.Index]
	ch := &Chosen{Name: rte.name, Service: rte.service, Policies: []PolicyStep{}, Targets: []string{}}
	for _, c := range res.Captures {
		ch.Captures = append(ch.Captures, c.Name+"="+c.Value)
		st.Captures = append(st.Captures, pipeline.Capture{Name: c.Name, Value: c.Value})
	}
	ch.Upstream = rte.proxy.UpstreamPath(st)
	ch.Removed = rte.chain.Owned
	st.Host = r.Host
	for i, d := range rte.chain.Policies {
		step := PolicyStep{Phase: d.Phase.String(), Name: d.Name, From: string(d.Path), Settings: redactedSettings(d.Node)}
		if ex, ok := rte.chain.Built[i].(pipeline.Explainer); ok {
			step.Decision = ex.Explain(r, st)
		}
		ch.Policies = append(ch.Policies, step)
	}
	if sc := serviceConfig(rt.Config, rte.service); sc != nil {
		ch.Balance = sc.Balance
		for _, t := range sc.Targets {
			ch.Targets = append(ch.Targets, t.URL)
		}
	}
	ex.Chosen = ch
	ex.Warnings = rt.fallThrough(verdicts, res.Index, r.Method)
	return ex
}

func policySteps(list []pipeline.Decoded) []PolicyStep {
	out := []PolicyStep{}
	for _, d := range list {
		out = append(out, PolicyStep{Phase: d.Phase.String(), Name: d.Name, From: string(d.Path), Settings: redactedSettings(d.Node)})
	}
	return out
}

func redactedSettings(n *yaml.Node) any {
	if n == nil {
		return nil
	}
	var c yaml.Node
	if err := yaml.Unmarshal(mustMarshal(n), &c); err != nil {
		return nil
	}
	config.Redact(&c)
	var v any
	if err := c.Decode(&v); err != nil {
		return nil
	}
	return v
}

func mustMarshal(n *yaml.Node) []byte {
	b, _ := yaml.Marshal(n)
	return b
}
