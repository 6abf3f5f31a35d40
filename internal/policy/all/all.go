// Package all registers every built-in policy. Adding a policy is one
// import line here.
package all

import (
	_ "github.com/gatehouse/gatehouse/internal/policy/acl"        // acl
	_ "github.com/gatehouse/gatehouse/internal/policy/answer"     // redirect, static_response, request_termination
	_ "github.com/gatehouse/gatehouse/internal/policy/basicauth"  // basic_auth
	_ "github.com/gatehouse/gatehouse/internal/policy/cache"      // cache
	_ "github.com/gatehouse/gatehouse/internal/policy/compress"   // compress
	_ "github.com/gatehouse/gatehouse/internal/policy/cors"       // cors
	_ "github.com/gatehouse/gatehouse/internal/policy/extauthz"   // ext_authz
	_ "github.com/gatehouse/gatehouse/internal/policy/headers"    // request_headers, response_headers, request_transform, response_transform
	_ "github.com/gatehouse/gatehouse/internal/policy/introspect" // introspect
	_ "github.com/gatehouse/gatehouse/internal/policy/iprestrict" // ip_restriction
	_ "github.com/gatehouse/gatehouse/internal/policy/jwt"        // jwt
	_ "github.com/gatehouse/gatehouse/internal/policy/keyauth"    // key_auth
	_ "github.com/gatehouse/gatehouse/internal/policy/mtls"       // mtls
	_ "github.com/gatehouse/gatehouse/internal/policy/ratelimit"  // rate_limit
	_ "github.com/gatehouse/gatehouse/internal/policy/sizelimit"  // request_size_limit
	_ "github.com/gatehouse/gatehouse/internal/policy/validation" // request_validation
	_ "github.com/gatehouse/gatehouse/internal/policy/versioning" // api_versioning
)
