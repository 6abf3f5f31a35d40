package runtime

import (
	"net/http"

	"github.com/gatehouse/gatehouse/internal/pipeline"
	"github.com/gatehouse/gatehouse/internal/router"
)

var errBadHost = pipeline.NewError(http.StatusBadRequest, "invalid Host: want host[:port]")

// checkHost refuses a Host the router could not match as written (see
// router.ParseHost): such a request would skip every host-bound route,
// with whatever authentication those carry, and reach a catch-all.
func checkHost(host string) error {
	if _, ok := router.ParseHost(host); !ok {
		return errBadHost
	}
	return nil
}
