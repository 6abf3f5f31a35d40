package ratelimit

import (
	"testing"

	"github.com/gatehouse/gatehouse/internal/pipeline"
)

func TestPhaseFollowsTheKey(t *testing.T) {
	cases := []struct {
		name string
		s    Spec
		want pipeline.Phase
	}{
		{"default key (ip)", Spec{}, pipeline.PhasePreAuthLimit},
		{"ip, header, path, route, service, global", Spec{Key: []string{"ip", "header:X-Tenant", "path", "route", "service", "global"}}, pipeline.PhasePreAuthLimit},
		{"consumer", Spec{Key: []string{"consumer"}}, pipeline.PhaseLimit},
		{"ip and credential", Spec{Key: []string{"ip", "credential"}}, pipeline.PhaseLimit},
		{"claim", Spec{Key: []string{"claim:sub"}}, pipeline.PhaseLimit},
		{"tiers pick by consumer group", Spec{Key: []string{"ip"}, Tiers: []Tier{{Group: "paid", Unlimited: true}}}, pipeline.PhaseLimit},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.s.Phase(); got != c.want {
				t.Errorf("got %v; want %v", got, c.want)
			}
		})
	}
}
