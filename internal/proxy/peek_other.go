//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package proxy

// Without a non-blocking peek, an idle connection is judged by its read
// buffer alone (h1Conn.reusable); the end-of-response checks still apply.
func (c *h1Conn) peek(uintptr) { c.peekErr = errNoPeek }

var errNoPeek = errorString("no peek on this platform")

type errorString string

func (e errorString) Error() string { return string(e) }

func idleVerdict(int, error) bool { return true }
