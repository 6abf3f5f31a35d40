package demo

import (
	"crypto/subtle"
	"net/http"
)

// User is a demo account as returned by the auth service.
type User struct {
	Username string   `json:"username"`
	Name     string   `json:"name"`
	Roles    []string `json:"roles"`
}

// TokenIssuer turns an authenticated user into a bearer token. The default
// issues an opaque random token; a JWT issuer can be swapped in here without
// touching the login handler.
type TokenIssuer func(u User) (string, error)

// opaqueToken is the default TokenIssuer: random, meaningless to anyone but
// a human reading the demo output.
func opaqueToken(User) (string, error) {
	return newID("demo-"), nil
}

type account struct {
	password string
	user     User
}

type authService struct {
	accounts map[string]account
	issue    TokenIssuer
}

func newAuthService() *authService {
	return &authService{
		// Fixed demo credentials, documented for `gatehouse demo` users.
		accounts: map[string]account{
			"alice": {password: "secret", user: User{Username: "alice", Name: "Alice Example", Roles: []string{"customer", "admin"}}},
			"bob":   {password: "secret", user: User{Username: "bob", Name: "Bob Example", Roles: []string{"customer"}}},
		},
		issue: opaqueToken,
	}
}

func (a *authService) handler() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", a.login)
	mux.HandleFunc("GET /health", health("auth"))
	return mux
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type loginResponse struct {
	Token         string        `json:"token"`
	TokenType     string        `json:"token_type"`
	User          User          `json:"user"`
	SeenByService seenByService `json:"seen_by_service"`
}

func (a *authService) login(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if req.Username == "" || req.Password == "" {
		writeError(w, http.StatusBadRequest, "username and password are required")
		return
	}
	acct, ok := a.accounts[req.Username]
	// Constant-time compare even in a demo, so copied code is not a trap.
	if !ok || subtle.ConstantTimeCompare([]byte(acct.password), []byte(req.Password)) != 1 {
		w.Header().Set("WWW-Authenticate", `Bearer realm="gatehouse-demo"`)
		writeError(w, http.StatusUnauthorized, "invalid username or password")
		return
	}
	token, err := a.issue(acct.user)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "could not issue token")
		return
	}
	writeJSON(w, http.StatusOK, loginResponse{
		Token:         token,
		TokenType:     "Bearer",
		User:          acct.user,
		SeenByService: seenBy("auth", r),
	})
}

// health is the liveness endpoint every demo service has.
func health(service string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "service": service})
	}
}
