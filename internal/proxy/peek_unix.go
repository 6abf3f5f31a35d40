//go:build linux || darwin || freebsd || netbsd || openbsd

package proxy

import "syscall"

// peek looks at the socket without consuming or waiting: MSG_PEEK leaves
// any byte where it is, and MSG_DONTWAIT returns at once when there is
// none (the descriptor is non-blocking anyway).
func (c *h1Conn) peek(fd uintptr) {
	c.peekN, _, c.peekErr = syscall.Recvfrom(int(fd), c.peekByte[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
}

// idleVerdict reads a peek's result: only "nothing there yet" (EAGAIN)
// means the connection is quiet and open. A byte is an unsolicited
// answer; 0 with no error is the service's FIN; any error is a reset.
func idleVerdict(n int, err error) bool {
	return n <= 0 && (err == syscall.EAGAIN || err == syscall.EWOULDBLOCK)
}
