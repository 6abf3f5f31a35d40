package admin

import "testing"

func TestConfigType(t *testing.T) {
	for ct, want := range map[string]bool{
		"application/json": true, "application/yaml; charset=utf-8": true, "text/yaml": true,
		"application/merge-patch+json": true, "APPLICATION/JSON": true,
		"": false, "text/plain": false, "application/x-www-form-urlencoded": false,
		"multipart/form-data; boundary=x": false, "text/json": false, "application/json;;": false,
	} {
		if got := configType(ct); got != want {
			t.Errorf("configType(%q) = %v; want %v", ct, got, want)
		}
	}
}

func TestHostAllowed(t *testing.T) {
	s := &Server{host: "127.0.0.1"}
	for h, want := range map[string]bool{
		"127.0.0.1:8081": true, "localhost:8081": true, "LOCALHOST.:8081": true, "app.localhost:8081": true,
		"[::1]:8081": true, "127.0.0.2": true,
		"evil.example:8081": false, "localhost.evil.example": false, "10.0.0.1:8081": false, "": false,
	} {
		if got := s.hostAllowed(h); got != want {
			t.Errorf("hostAllowed(%q) = %v; want %v", h, got, want)
		}
	}
	// With a token, a rebound page gains nothing: any Host is served.
	s.token = []byte("t")
	if !s.hostAllowed("admin.internal:8081") {
		t.Error("with a token, a Host by another name is refused")
	}
}
