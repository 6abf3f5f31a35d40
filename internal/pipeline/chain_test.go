package pipeline

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/config"
)

// recordingSpec builds a policy that appends its name to *log and either
// continues or stops with stop.
type recordingSpec struct {
	name     string
	log      *[]string
	stop     *Error
	buildErr error
}

func (s recordingSpec) Validate(config.Path) []config.FieldError { return nil }

func (s recordingSpec) Build(BuildContext) (Policy, error) {
	if s.buildErr != nil {
		return nil, s.buildErr
	}
	return recordingPolicy(s), nil
}

type recordingPolicy recordingSpec

func (p recordingPolicy) Handle(w http.ResponseWriter, r *http.Request, next Handler) error {
	*p.log = append(*p.log, p.name)
	if p.stop != nil {
		return p.stop
	}
	return next(w, r)
}

// responsePolicy also acts on responses.
type responsePolicy struct{ recordingPolicy }

func (responsePolicy) ModifyResponse(*http.Response, *State) error { return nil }

type responseSpec struct{ recordingSpec }

func (s responseSpec) Build(BuildContext) (Policy, error) {
	return responsePolicy{recordingPolicy(s.recordingSpec)}, nil
}

func TestChainRunsInPhaseOrder(t *testing.T) {
	var log []string
	d := func(name string, phase Phase, scope string, stop *Error) Decoded {
		return Decoded{Name: name, Phase: phase, Path: config.Path(scope + ".policies." + name),
			Spec: recordingSpec{name: name + "@" + scope, log: &log, stop: stop}}
	}
	denied := NewError(http.StatusForbidden, "denied")
	cases := []struct {
		name           string
		global, svc, r []Decoded
		want           string
		err            error
	}{
		{"phases order the chain, not the config",
			[]Decoded{d("request_headers", PhaseTransform, "global", nil), d("ip", PhaseAccess, "global", nil)},
			[]Decoded{d("rate_limit", PhaseLimit, "service", nil)},
			[]Decoded{d("acl", PhaseAuthorize, "route", nil), d("jwt", PhaseAuthenticate, "route", nil)},
			"ip@global jwt@route acl@route rate_limit@service request_headers@global terminal", nil},
		{"route overrides service overrides global",
			[]Decoded{d("rate_limit", PhaseLimit, "global", nil), d("jwt", PhaseAuthenticate, "global", nil)},
			[]Decoded{d("rate_limit", PhaseLimit, "service", nil), d("jwt", PhaseAuthenticate, "service", nil)},
			[]Decoded{d("rate_limit", PhaseLimit, "route", nil)},
			"jwt@service rate_limit@route terminal", nil},
		{"same phase runs by name",
			nil, nil,
			[]Decoded{d("zeta", PhaseAccess, "route", nil), d("alpha", PhaseAccess, "route", nil)},
			"alpha@route zeta@route terminal", nil},
		{"an error stops the chain",
			[]Decoded{d("ip", PhaseAccess, "global", nil)}, nil,
			[]Decoded{d("jwt", PhaseAuthenticate, "route", denied), d("request_headers", PhaseTransform, "route", nil)},
			"ip@global jwt@route", denied},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			log = nil
			terminal := func(http.ResponseWriter, *http.Request) error { log = append(log, "terminal"); return nil }
			chain, err := Build(Merge(c.global, c.svc, c.r), terminal, BuildContext{})
			if err != nil {
				t.Fatal(err)
			}
			err = chain.Serve(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
			if err != c.err {
				t.Fatalf("Serve returned %v; want %v", err, c.err)
			}
			if got := strings.Join(log, " "); got != c.want {
				t.Fatalf("ran %q; want %q", got, c.want)
			}
			for i := 1; i < len(chain.Policies); i++ {
				if chain.Policies[i-1].Phase > chain.Policies[i].Phase {
					t.Fatalf("Policies out of phase order: %v", chain.Policies)
				}
			}
		})
	}
}

func TestChainBuildErrorNamesThePolicy(t *testing.T) {
	cause := errors.New("jwks unreachable")
	list := []Decoded{{Name: "jwt", Phase: PhaseAuthenticate, Path: "routes[3].policies.jwt", Spec: recordingSpec{buildErr: cause}}}
	_, err := Build(list, nil, BuildContext{})
	if err == nil || !errors.Is(err, cause) || !strings.HasPrefix(err.Error(), `routes[3].policies.jwt: building policy "jwt": `) {
		t.Fatalf("Build error = %v; want it at the policy's path, wrapping the cause", err)
	}
}

func TestChainCollectsResponsePolicies(t *testing.T) {
	var log []string
	list := Merge([]Decoded{
		{Name: "a", Phase: PhaseAccess, Spec: recordingSpec{name: "a", log: &log}},
		{Name: "b", Phase: PhaseTransform, Spec: responseSpec{recordingSpec{name: "b", log: &log}}},
	})
	chain, err := Build(list, func(http.ResponseWriter, *http.Request) error { return nil }, BuildContext{})
	if err != nil {
		t.Fatal(err)
	}
	if len(chain.Response) != 1 {
		t.Fatalf("%d response policies; want 1 (only b acts on responses)", len(chain.Response))
	}
}
