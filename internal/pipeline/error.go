package pipeline

import (
	"errors"
	"net/http"
)

// Error is how a policy (or the proxy) stops a request: Status and Msg go
// to the client, Err is the internal cause and only reaches the log.
type Error struct {
	Status int
	Msg    string
	Err    error
	// Header is added to the error response (Allow, Retry-After,
	// WWW-Authenticate ...). May be nil.
	Header http.Header
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Msg + ": " + e.Err.Error()
	}
	return e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

// NewError is an Error with a client message and no internal cause.
func NewError(status int, msg string) *Error { return &Error{Status: status, Msg: msg} }

// Wrap is an Error with a client message and an internal cause.
func Wrap(status int, msg string, cause error) *Error {
	return &Error{Status: status, Msg: msg, Err: cause}
}

// AsError returns err as an *Error, mapping anything else to a 500 whose
// message reveals nothing internal.
func AsError(err error) *Error {
	var pe *Error
	if errors.As(err, &pe) {
		return pe
	}
	return &Error{Status: http.StatusInternalServerError, Msg: "internal error", Err: err}
}
