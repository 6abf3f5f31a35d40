package pipeline

// Span is one request's trace in progress; it ends after the response
// with the final status. The tracer lives in telemetry, the request path
// in runtime: this is what the one hands the other.
type Span interface {
	End(st *State, status int)
}
