package config

import (
	"net"
	"net/netip"
)

// admin checks the admin listener: a valid address, and a token whenever
// the address is reachable from beyond this machine.
func (v *validator) admin() {
	a := v.c.Admin
	at := Path("admin")
	if a.Addr == "" || a.Addr == AdminAddrOff {
		return
	}
	v.listenAddr(a.Addr, at.Field("addr"))
	if _, _, err := net.SplitHostPort(a.Addr); err != nil {
		return // already reported by listenAddr
	}
	if a.Token == "" && !loopbackAddr(a.Addr) {
		v.errorf(at.Field("token"), "required when admin.addr %q is not a loopback address", a.Addr)
	}
}

// loopbackAddr reports whether host:port binds loopback only. An empty
// host (":8081") binds every interface.
func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}
