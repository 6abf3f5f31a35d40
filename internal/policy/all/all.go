// Package all registers every built-in policy. Adding a policy is one
// import line here.
package all

import (
	_ "github.com/gatehouse/gatehouse/internal/policy/headers" // request_headers, response_headers
)
