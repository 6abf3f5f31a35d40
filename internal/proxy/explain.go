package proxy

import (
	"github.com/gatehouse/gatehouse/internal/pipeline"
	"github.com/gatehouse/gatehouse/internal/router"
)

// ExplainPath is the path the upstream would receive for a request routed
// here with normalised path p (below any target base path).
func (rt *Route) ExplainPath(p string, caps []router.Capture) string {
	st := &pipeline.State{Path: p}
	for _, c := range caps {
		st.Captures = append(st.Captures, pipeline.Capture{Name: c.Name, Value: c.Value})
	}
	return rt.upstreamPath(st, "")
}
