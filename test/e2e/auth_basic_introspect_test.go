package e2e

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

func basic(user, pass string) []string {
	return []string{"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))}
}

func TestBasicAuth(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret pass"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	echo := echoServer(t, "echo")
	g, slogs := startGatewayLogs(t, `
services:
  - name: echo
    targets: [{ url: "${ECHO}" }]
routes:
  - name: basic
    match: { path_prefix: /basic }
    service: echo
    policies:
      basic_auth: { realm: reports, hide_credentials: true }
consumers:
  - name: reporting
    groups: [internal]
    basic_auth: [{ username: rep, password_bcrypt: "${HASH}" }]
`, map[string]string{"ECHO": echo.URL, "HASH": string(hash)})
	cases := []struct {
		name   string
		hdr    []string
		status int
	}{
		{"right password", basic("rep", "s3cret pass"), 200},
		{"right password again (cached)", basic("rep", "s3cret pass"), 200},
		{"wrong password", basic("rep", "s3cret pasS"), 401},
		{"unknown user", basic("nobody", "s3cret pass"), 401},
		{"no colon", []string{"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte("rep"))}, 401},
		{"bad base64", []string{"Authorization", "Basic !!!"}, 401},
		{"missing", nil, 401},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := g.do("GET", "/basic", nil, c.hdr...)
			wantStatus(t, resp, body, c.status)
			if c.status == 401 {
				if wa := resp.Header.Get("WWW-Authenticate"); wa != `Basic realm="reports", charset="UTF-8"` {
					t.Errorf("WWW-Authenticate = %q; want the Basic challenge", wa)
				}
				return
			}
			s := parseSeen(t, body)
			if got := s.Header["X-Consumer-Name"]; len(got) != 1 || got[0] != "reporting" {
				t.Errorf("X-Consumer-Name = %v; want [reporting]", got)
			}
			if _, ok := s.Header["Authorization"]; ok {
				t.Errorf("upstream got Authorization; want it hidden")
			}
		})
	}
	for name, log := range map[string]string{"access log": g.logs.String(), "gateway log": slogs.String()} {
		if strings.Contains(log, "s3cret") || strings.Contains(log, base64.StdEncoding.EncodeToString([]byte("rep:s3cret pass"))) {
			t.Errorf("%s contains the password", name)
		}
	}
}

// authServer is an RFC 7662 introspection endpoint on loopback.
type authServer struct {
	*httptest.Server
	calls atomic.Int64
	down  atomic.Bool
	slow  atomic.Bool
}

func newAuthServer(t *testing.T) *authServer {
	t.Helper()
	a := &authServer{}
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.calls.Add(1)
		if a.down.Load() {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		if a.slow.Load() {
			select {
			case <-r.Context().Done():
			case <-time.After(time.Second):
			}
			return
		}
		if id, pw, ok := r.BasicAuth(); !ok || id != "gateway" || pw != "client-secret" {
			http.Error(w, "who are you", http.StatusUnauthorized)
			return
		}
		tok := r.PostFormValue("token")
		resp := map[string]any{"active": false}
		switch {
		case strings.HasPrefix(tok, "good"):
			resp = map[string]any{"active": true, "sub": "intro-" + tok, "scope": "orders:read", "exp": time.Now().Add(time.Hour).Unix()}
		case tok == "expired":
			resp = map[string]any{"active": true, "sub": "old", "exp": time.Now().Add(-time.Minute).Unix()}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(resp)
	}))
	t.Cleanup(a.Close)
	return a
}

func TestIntrospection(t *testing.T) {
	as := newAuthServer(t)
	echo := echoServer(t, "echo")
	g, slogs := startGatewayLogs(t, `
services:
  - name: echo
    targets: [{ url: "${ECHO}" }]
routes:
  - name: opaque
    match: { path_prefix: /opaque }
    service: echo
    policies:
      introspect:
        url: "${AS}/introspect"
        client_id: gateway
        client_secret: client-secret
        timeout: 300ms
        forward_claims: { sub: X-User-ID }
        hide_credentials: true
      acl: { claim: scope, any_of: ["orders:read"] }
`, map[string]string{"ECHO": echo.URL, "AS": as.URL})

	t.Run("active token, then from cache", func(t *testing.T) {
		for range 3 {
			resp, body := g.do("GET", "/opaque", nil, append(bearer("good-1"), "X-User-ID", "forged")...)
			wantStatus(t, resp, body, 200)
			s := parseSeen(t, body)
			if got := s.Header["X-User-Id"]; len(got) != 1 || got[0] != "intro-good-1" {
				t.Errorf("X-User-ID = %v; want [intro-good-1]", got)
			}
			if _, ok := s.Header["Authorization"]; ok {
				t.Errorf("upstream got Authorization; want it hidden")
			}
		}
		if n := as.calls.Load(); n != 1 {
			t.Errorf("introspection calls = %d; want 1 (cached)", n)
		}
	})
	for _, c := range []struct{ token, desc string }{{"revoked", "token inactive"}, {"expired", "token expired"}} {
		t.Run(c.token, func(t *testing.T) {
			resp, body := g.do("GET", "/opaque", nil, bearer(c.token)...)
			wantStatus(t, resp, body, 401)
			if wa := resp.Header.Get("WWW-Authenticate"); !strings.Contains(wa, `error="invalid_token"`) || !strings.Contains(wa, c.desc) {
				t.Errorf("WWW-Authenticate = %q; want invalid_token, %q", wa, c.desc)
			}
		})
	}
	t.Run("server down: cached token works, others 503", func(t *testing.T) {
		as.down.Store(true)
		defer as.down.Store(false)
		resp, body := g.do("GET", "/opaque", nil, bearer("good-1")...)
		wantStatus(t, resp, body, 200)
		resp, body = g.do("GET", "/opaque", nil, bearer("good-2")...)
		wantStatus(t, resp, body, 503)
	})
	t.Run("server too slow: 503", func(t *testing.T) {
		as.slow.Store(true)
		defer as.slow.Store(false)
		resp, body := g.do("GET", "/opaque", nil, bearer("good-3")...)
		wantStatus(t, resp, body, 503)
	})
	t.Run("server unreachable: 503", func(t *testing.T) {
		as.Close()
		resp, body := g.do("GET", "/opaque", nil, bearer("good-4")...)
		wantStatus(t, resp, body, 503)
	})
	for name, log := range map[string]string{"access log": g.logs.String(), "gateway log": slogs.String()} {
		if strings.Contains(log, "good-") || strings.Contains(log, "client-secret") {
			t.Errorf("%s contains a token or the client secret", name)
		}
	}
}
