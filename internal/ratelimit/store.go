package ratelimit

import (
	"context"
	"time"
)

// Check is one limit to apply under one key.
type Check struct {
	Key   string
	Limit Limit
}

// Store applies checks atomically: a request passes only if every check
// allows it, and only then does it count against any of them.
type Store interface {
	// Take applies checks for one request, writing one decision per check
	// into out (len(out) == len(checks)). On error the store could not
	// decide (Redis down) and out is undefined.
	Take(ctx context.Context, alg Algorithm, checks []Check, out []Decision) error
	// Peek decides checks as Take would at this moment, without counting
	// anything: a limit on failures asks before the attempt and counts
	// only once the attempt has failed.
	Peek(ctx context.Context, alg Algorithm, checks []Check, out []Decision) error
}

// Clock is the time source; tests use a fake one.
type Clock func() time.Time
