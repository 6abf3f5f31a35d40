// Package router normalises request paths and picks the route a request
// belongs to.
//
// It knows nothing of the gateway's configuration types: callers translate
// their routes into Spec values, so the package can be reused and tested on
// its own. Normalize (normalize.go) documents the path rules; Compile
// (table.go) documents the matching priority.
package router
