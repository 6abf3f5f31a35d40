package pipeline

import (
	"fmt"
	"sort"
	"sync"

	"github.com/gatehouse/gatehouse/internal/config"
)

// Registration describes a registered policy kind.
type Registration struct {
	Name    string
	Phase   Phase
	NewSpec func() Spec
}

var (
	regMu    sync.RWMutex
	registry = map[string]Registration{}
)

// Register makes a policy kind known under name. Call it from init; a
// duplicate name is a programming error and panics.
func Register(name string, phase Phase, newSpec func() Spec) {
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := registry[name]; dup {
		panic(fmt.Sprintf("pipeline: policy %q registered twice", name))
	}
	registry[name] = Registration{Name: name, Phase: phase, NewSpec: newSpec}
}

// Lookup returns the registration of name.
func Lookup(name string) (Registration, bool) {
	regMu.RLock()
	defer regMu.RUnlock()
	r, ok := registry[name]
	return r, ok
}

// Names lists the registered policy names, sorted.
func Names() []string {
	regMu.RLock()
	defer regMu.RUnlock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

var defaults []string

// RegisterDefault makes the policy name apply, with the settings its
// NewSpec returns, to every route that does not configure it at any
// scope (a body size limit, as nginx's client_max_body_size). Call it
// from init after Register.
func RegisterDefault(name string) {
	regMu.Lock()
	defer regMu.Unlock()
	if _, ok := registry[name]; !ok {
		panic("pipeline: default for unregistered policy " + name)
	}
	defaults = append(defaults, name)
}

// DefaultPath is the From of a policy applied by default, in explain.
const DefaultPath config.Path = "(default)"

// Defaults are the policies that apply by default, as the least specific
// scope for Merge. Each call returns fresh specs.
func Defaults() []Decoded {
	regMu.RLock()
	defer regMu.RUnlock()
	out := make([]Decoded, 0, len(defaults))
	for _, n := range defaults {
		reg := registry[n]
		out = append(out, Decoded{Name: n, Phase: reg.Phase, Spec: reg.NewSpec(), Path: DefaultPath})
	}
	return out
}
