package pipeline

import (
	"fmt"
	"sort"
	"sync"
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
