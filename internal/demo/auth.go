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

// TokenIssuer turns an authenticated user into a bearer token. The demo
// issues JWTs signed with a key published at /.well-known/jwks.json.
type TokenIssuer func(u User) (string, error)

type account struct {
	password string
	user     User
}

type authService struct {
	accounts map[string]account
	issue    TokenIssuer
	signer   *jwtSigner
}

func newAuthService(signer *jwtSigner) *authService {
	return &authService{
		// Fixed demo credentials, documented for `gatehouse demo` users.
		accounts: map[string]account{
			"alice": {password: "secret", user: User{Username: "alice", Name: "Alice Example", Roles: []string{"customer", "admin"}}},
			"bob":   {password: "secret", user: User{Username: "bob", Name: "Bob Example", Roles: []string{"customer"}}},
			"carol": {password: "secret", user: User{Username: "carol", Name: "Carol Example", Roles: []string{"support"}}},
		},
		issue:  signer.issue,
		signer: signer,
	}
}

func (a *authService) handler() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", a.login)
	mux.HandleFunc("POST /token", a.token)
	mux.HandleFunc("GET /.well-known/jwks.json", a.signer.serveJWKS)
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

// authenticate checks the login body and issues a token, or answers the
// error itself and returns ok false.
func (a *authService) authenticate(w http.ResponseWriter, r *http.Request) (token string, user User, ok bool) {
	var req loginRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return "", User{}, false
	}
	if req.Username == "" || req.Password == "" {
		writeError(w, http.StatusBadRequest, "username and password are required")
		return "", User{}, false
	}
	acct, found := a.accounts[req.Username]
	// Constant-time compare even in a demo, so copied code is not a trap.
	if !found || subtle.ConstantTimeCompare([]byte(acct.password), []byte(req.Password)) != 1 {
		w.Header().Set("WWW-Authenticate", `Bearer realm="gatehouse-demo"`)
		writeError(w, http.StatusUnauthorized, "invalid username or password")
		return "", User{}, false
	}
	token, err := a.issue(acct.user)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "could not issue token")
		return "", User{}, false
	}
	return token, acct.user, true
}

func (a *authService) login(w http.ResponseWriter, r *http.Request) {
	token, user, ok := a.authenticate(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, loginResponse{
		Token:         token,
		TokenType:     "Bearer",
		User:          user,
		SeenByService: seenBy("auth", r),
	})
}

// token is login for shells: the bare token as text, so that
// TOKEN=$(curl ...) needs no JSON tool.
func (a *authService) token(w http.ResponseWriter, r *http.Request) {
	token, _, ok := a.authenticate(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(token + "\n"))
}

// health is the liveness endpoint every demo service has.
func health(service string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "service": service})
	}
}
