// Package all registers every built-in policy. Adding a policy is one
// import line here.
package all

import (
	_ "github.com/gatehouse/gatehouse/internal/policy/acl"        // acl
	_ "github.com/gatehouse/gatehouse/internal/policy/basicauth"  // basic_auth
	_ "github.com/gatehouse/gatehouse/internal/policy/headers"    // request_headers, response_headers
	_ "github.com/gatehouse/gatehouse/internal/policy/introspect" // introspect
	_ "github.com/gatehouse/gatehouse/internal/policy/jwt"        // jwt
	_ "github.com/gatehouse/gatehouse/internal/policy/keyauth"    // key_auth
	_ "github.com/gatehouse/gatehouse/internal/policy/mtls"       // mtls
	_ "github.com/gatehouse/gatehouse/internal/policy/ratelimit"  // rate_limit
)
