package pipeline

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/gatehouse/gatehouse/internal/config"
)

// ownerSpec builds a policy owning headers that checks, when it runs,
// that none of the route's owned headers is left on the request.
type ownerSpec struct {
	owns  []string
	check []string
	t     *testing.T
}

func (s ownerSpec) Validate(config.Path) []config.FieldError { return nil }
func (s ownerSpec) Build(BuildContext) (Policy, error)       { return ownerPolicy(s), nil }

type ownerPolicy ownerSpec

func (p ownerPolicy) OwnedHeaders() []string { return p.owns }

func (p ownerPolicy) Handle(w http.ResponseWriter, r *http.Request, next Handler) error {
	for _, h := range p.check {
		if v, ok := r.Header[h]; ok {
			p.t.Errorf("%s = %v when a policy ran; want it removed first", h, v)
		}
	}
	return next(w, r)
}

func TestChainStripsOwnedHeadersFirst(t *testing.T) {
	all := []string{"X-Consumer-Name", "X-User-Id", "X-Token-Scope"}
	list := Merge([]Decoded{
		{Name: "a", Phase: PhaseAccess, Spec: ownerSpec{t: t, check: all}},
		{Name: "b", Phase: PhaseAuthenticate, Spec: ownerSpec{t: t, owns: []string{"X-Consumer-Name", "x-user-id"}, check: all}},
		{Name: "c", Phase: PhaseAuthenticate, Spec: ownerSpec{t: t, owns: []string{"X-Consumer-Name", "X-Token-Scope"}, check: all}},
	})
	var upstream http.Header
	chain, err := Build(list, func(_ http.ResponseWriter, r *http.Request) error { upstream = r.Header; return nil }, BuildContext{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"X-Consumer-Name", "X-Token-Scope", "X-User-Id"}; !slices.Equal(chain.Owned, want) {
		t.Errorf("Owned = %v; want %v (sorted, canonical, once each)", chain.Owned, want)
	}
	r := httptest.NewRequest("GET", "/", nil)
	for _, h := range all {
		r.Header.Set(h, "forged")
	}
	r.Header.Set("X-Other", "kept")
	if err := chain.Serve(httptest.NewRecorder(), r); err != nil {
		t.Fatal(err)
	}
	if upstream.Get("X-Other") != "kept" {
		t.Errorf("X-Other was removed; only owned headers should be")
	}
}

func TestChainWithoutOwnersStripsNothing(t *testing.T) {
	chain, err := Build(Merge([]Decoded{{Name: "a", Phase: PhaseAccess, Spec: ownerSpec{t: t}}}),
		func(http.ResponseWriter, *http.Request) error { return nil }, BuildContext{})
	if err != nil {
		t.Fatal(err)
	}
	if len(chain.Owned) != 0 {
		t.Errorf("Owned = %v; want none", chain.Owned)
	}
}

// refusingPolicy refuses every request in its precheck.
type refusingPolicy struct{ ran *bool }

func (p refusingPolicy) Precheck(*http.Request) error {
	return NewError(http.StatusBadRequest, "ambiguous")
}
func (p refusingPolicy) Handle(w http.ResponseWriter, r *http.Request, next Handler) error {
	*p.ran = true
	return next(w, r)
}

type refusingSpec struct{ ran *bool }

func (s refusingSpec) Validate(config.Path) []config.FieldError { return nil }
func (s refusingSpec) Build(BuildContext) (Policy, error)       { return refusingPolicy(s), nil }

func TestChainPrecheckRunsBeforeAnyPolicy(t *testing.T) {
	var log []string
	var ran bool
	list := Merge([]Decoded{
		{Name: "first", Phase: PhaseAccess, Spec: recordingSpec{name: "first", log: &log}},
		{Name: "later", Phase: PhaseAuthenticate, Spec: refusingSpec{ran: &ran}},
	})
	chain, err := Build(list, func(http.ResponseWriter, *http.Request) error { t.Error("terminal ran"); return nil }, BuildContext{})
	if err != nil {
		t.Fatal(err)
	}
	err = chain.Serve(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	if pe, ok := err.(*Error); !ok || pe.Status != http.StatusBadRequest {
		t.Fatalf("Serve returned %v; want the precheck's 400", err)
	}
	if len(log) != 0 || ran {
		t.Errorf("policies ran (%v, %v); want none after a refused precheck", log, ran)
	}
}
