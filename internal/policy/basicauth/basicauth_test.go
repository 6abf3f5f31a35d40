package basicauth

import (
	"encoding/base64"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/pipeline"
)

func build(t testing.TB) *Policy {
	t.Helper()
	hash, _ := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	cfg := &config.Config{Consumers: []config.Consumer{{Name: "c", BasicAuth: []config.BasicUser{{Username: "u", PasswordBcrypt: string(hash)}}}}}
	p, err := (&Spec{}).Build(pipeline.BuildContext{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	return p.(*Policy)
}

func TestCheck(t *testing.T) {
	p := build(t)
	enc := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	for _, c := range []struct {
		cred string
		ok   bool
	}{
		{enc("u:pw"), true},
		{enc("u:pw"), true}, // cached
		{enc("u:pW"), false},
		{enc("u:pw "), false},
		{enc("U:pw"), false},
		{enc("x:pw"), false},
		{enc("u"), false},
		{enc(":pw"), false},
		{"%%%", false},
	} {
		if _, ok := p.check(c.cred); ok != c.ok {
			t.Errorf("check(%q) = %v; want %v", c.cred, ok, c.ok)
		}
	}
	if p.cost != bcrypt.MinCost {
		t.Errorf("dummy cost = %d; want the configured hashes' cost %d", p.cost, bcrypt.MinCost)
	}
}

func TestValidate(t *testing.T) {
	errs := (&Spec{CacheTTL: -1, CacheSize: -5}).Validate("p")
	if len(errs) != 2 || errs[0].Error() != "p.cache_ttl: must not be negative" {
		t.Errorf("got %v; want cache_ttl and cache_size errors", errs)
	}
}

// FuzzCheck: arbitrary Authorization values never panic and never pass
// unless they are the one right credential.
func FuzzCheck(f *testing.F) {
	p := build(f)
	right := base64.StdEncoding.EncodeToString([]byte("u:pw"))
	for _, s := range []string{right, "", "=", "dTo=", "Og==", "!!!"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cred string) {
		if _, ok := p.check(cred); ok {
			raw, err := base64.StdEncoding.DecodeString(cred)
			if err != nil || string(raw) != "u:pw" {
				t.Fatalf("accepted %q", cred)
			}
		}
	})
}
