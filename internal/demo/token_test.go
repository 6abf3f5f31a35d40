package demo

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/MicahParks/jwkset"
	gjwt "github.com/golang-jwt/jwt/v5"
)

// TestTokenVerifiesWithPublishedJWKS checks the whole demo token flow: the
// text token from /token verifies with the key set from the JWKS URL and
// carries the user's subject and roles.
func TestTokenVerifiesWithPublishedJWKS(t *testing.T) {
	s := startServices(t)
	resp, err := http.Post(s.Auth+"/token", "application/json", strings.NewReader(`{"username":"bob","password":"secret"}`))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("POST /token: got %d %q; want 200 text/plain", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	token := strings.TrimSpace(string(raw))

	resp, err = http.Get(s.Env()["AUTH_JWKS_URL"])
	if err != nil {
		t.Fatal(err)
	}
	var set jwkset.JWKSMarshal
	err = json.NewDecoder(resp.Body).Decode(&set)
	resp.Body.Close()
	if err != nil || len(set.Keys) != 1 {
		t.Fatalf("JWKS: err %v, %d keys; want 1 key", err, len(set.Keys))
	}
	jwk, err := jwkset.NewJWKFromMarshal(set.Keys[0], jwkset.JWKMarshalOptions{}, jwkset.JWKValidateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	claims := gjwt.MapClaims{}
	_, err = gjwt.ParseWithClaims(token, claims, func(*gjwt.Token) (any, error) { return jwk.Key(), nil },
		gjwt.WithValidMethods([]string{"ES256"}), gjwt.WithIssuer(TokenIssuerName), gjwt.WithAudience(TokenAudience))
	if err != nil {
		t.Fatalf("token does not verify: %v", err)
	}
	if claims["sub"] != "bob" {
		t.Errorf("sub = %v; want bob", claims["sub"])
	}
	if roles, _ := claims["roles"].([]any); len(roles) != 1 || roles[0] != "customer" {
		t.Errorf("roles = %v; want [customer]", claims["roles"])
	}

	resp, err = http.Post(s.Auth+"/token", "application/json", strings.NewReader(`{"username":"bob","password":"wrong"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("wrong password: got %d; want 401", resp.StatusCode)
	}
}
