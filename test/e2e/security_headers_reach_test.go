package e2e

import (
	"testing"
)

// TestWhatReachesServices: client-IP headers the gateway does not set
// (True-Client-IP, X-Client-IP, ...) are dropped from an untrusted peer
// and pass from a trusted proxy; X-Original-URL and X-Rewrite-URL pass
// unless strip_headers names them, which removes them on every route.
func TestWhatReachesServices(t *testing.T) {
	sent := []string{
		"X-Original-URL", "/admin", "X-Rewrite-URL", "/admin",
		"True-Client-IP", "6.6.6.6", "X-Client-IP", "6.6.6.6", "CF-Connecting-IP", "6.6.6.6",
		"X-Other", "kept",
	}
	tests := []struct {
		name, listener, extra string
		want, gone            []string
	}{
		{"untrusted peer", "", "",
			[]string{"X-Original-Url", "X-Rewrite-Url", "X-Other"}, []string{"True-Client-Ip", "X-Client-Ip", "Cf-Connecting-Ip"}},
		{"trusted proxy", "    trusted_proxies: [127.0.0.1]\n", "",
			[]string{"True-Client-Ip", "X-Client-Ip", "Cf-Connecting-Ip", "X-Original-Url"}, nil},
		{"strip_headers", "", "strip_headers: [X-Original-URL, x-rewrite-url]\n",
			[]string{"X-Other"}, []string{"X-Original-Url", "X-Rewrite-Url", "True-Client-Ip"}},
		{"strip_headers beats trust", "    trusted_proxies: [127.0.0.1]\n", "strip_headers: [True-Client-IP]\n",
			[]string{"X-Client-Ip"}, []string{"True-Client-Ip"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := "listeners:\n  - name: public\n    addr: \"127.0.0.1:0\"\n" + tt.listener + tt.extra + `
services: [{name: echo, targets: [{url: "${ECHO}"}]}]
routes:
  - name: all
    match: {path_prefix: /}
    service: echo
`
			g := startGateway(t, cfg, map[string]string{"ECHO": echoServer(t, "echo").URL})
			_, body := g.do("GET", "/x", nil, sent...)
			s := parseSeen(t, body)
			for _, k := range tt.want {
				if len(s.Header[k]) == 0 {
					t.Errorf("%s did not reach the service; it got %v", k, s.Header)
				}
			}
			for _, k := range tt.gone {
				if len(s.Header[k]) != 0 {
					t.Errorf("%s reached the service: %v", k, s.Header[k])
				}
			}
		})
	}
}
